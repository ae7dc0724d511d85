import { type Logger, pino } from 'pino';

/** Structured JSON logs on stdout: a constant message plus a context object. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { leag: name }, timestamp: pino.stdTimeFunctions.isoTime });
}
