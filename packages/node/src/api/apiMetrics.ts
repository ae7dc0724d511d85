import { Counter, Gauge, type Registry } from 'prom-client';

/** Metrics of the HTTP API's own bounds. */
export function createApiMetrics(register: Registry) {
  return {
    refused: new Counter({
      name: 'v2g_api_refused_total',
      help: 'Requests refused with 429 by a client limit, by code (rate-limited, too-many-connections, too-many-streams)',
      labelNames: ['code'] as const,
      registers: [register],
    }),
    streams: new Gauge({
      name: 'v2g_api_event_streams',
      help: 'Open event-stream (GET /v1/events) subscribers',
      registers: [register],
    }),
    streamsDropped: new Counter({
      name: 'v2g_api_event_streams_dropped_total',
      help: 'Event-stream subscribers disconnected because they did not read their events (backlog over apiStreamBufferBytes)',
      registers: [register],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
