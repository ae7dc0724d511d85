import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { daemonEntry } from '@v2g/node';

/**
 * How a LEAG daemon is run: a small young generation and a bounded old space
 * keep the heap near its live size, and two glibc malloc arenas stop native
 * threads (LevelDB, libuv) from each growing their own. Together they cut
 * peak RSS under load from about 530 MB to about 340 MB at the same
 * throughput (see BENCHMARKS.md).
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=256'];
export const DAEMON_ENV = { MALLOC_ARENA_MAX: '2' };

export interface DaemonProcess {
  readonly name: string;
  readonly configPath: string;
  readonly logPath: string;
  readonly host?: HostCommand;
  child: ChildProcess;
}

/** How a daemon's command line is run on its host (`LeagHosts.command`): as it is by default. */
export type HostCommand = (argv: readonly string[]) => { cmd: string; args: string[] };
const onThisHost: HostCommand = (argv) => ({ cmd: argv[0]!, args: argv.slice(1) });

/** Starts a LEAG daemon as its own process, logging to `logPath`. */
export function startDaemon(
  name: string,
  configPath: string,
  logPath: string,
  host: HostCommand = onThisHost,
): DaemonProcess {
  const log = createWriteStream(logPath, { flags: 'a' });
  // V2G_CPU_PROF=<dir> writes a V8 CPU profile per daemon (node --cpu-prof), for finding where time goes.
  const prof = process.env.V2G_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.V2G_CPU_PROF] : [];
  const { cmd, args } = host([
    process.execPath,
    ...DAEMON_NODE_FLAGS,
    ...prof,
    daemonEntry(),
    'start',
    '--config',
    configPath,
  ]);
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...DAEMON_ENV },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return { name, configPath, logPath, child, host };
}

export function restartDaemon(d: DaemonProcess): void {
  const next = startDaemon(d.name, d.configPath, d.logPath, d.host);
  d.child = next.child;
}

export async function stopDaemon(d: DaemonProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const { child } = d;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
