import type { Socket } from 'node:net';
import type { NodeLimits } from '../config/config.ts';
import type { ApiApp } from './apiApp.ts';
import { ApiError } from './apiError.ts';
import type { ApiMetrics } from './apiMetrics.ts';

export type ApiLimits = Pick<
  NodeLimits,
  | 'apiMaxConnections'
  | 'apiMaxConnectionsPerClient'
  | 'apiMaxStreams'
  | 'apiMaxStreamsPerClient'
  | 'apiRatePerSecond'
  | 'apiRateBurst'
  | 'apiStreamBufferBytes'
>;

/** A client is its remote IP address (IPv4-mapped IPv6 addresses as IPv4); proxies' headers are not trusted. */
export function clientOf(socket: Socket): string {
  const ip = socket.remoteAddress ?? 'unknown';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * What each client holds: open connections, event streams, and a token
 * bucket of requests (`apiRateBurst` tokens, refilled at `apiRatePerSecond`).
 * Entries go when their client has nothing open and a full bucket, so the
 * maps hold only clients active in the last few seconds.
 */
export class ClientLimits {
  private readonly limits: ApiLimits;
  private readonly now: () => number;
  private readonly connections = new Map<string, number>();
  private readonly streams = new Map<string, number>();
  private readonly buckets = new Map<string, Bucket>();
  private openStreams = 0;

  constructor(limits: ApiLimits, now: () => number) {
    this.limits = limits;
    this.now = now;
  }

  /** Counts a new connection; false when it is beyond the client's share (it is counted all the same). */
  openConnection(client: string): boolean {
    const n = (this.connections.get(client) ?? 0) + 1;
    this.connections.set(client, n);
    return n <= this.limits.apiMaxConnectionsPerClient;
  }

  closeConnection(client: string): void {
    release(this.connections, client);
  }

  /** Takes a request token; 0 when granted, else the seconds until the next token. */
  takeToken(client: string): number {
    const { apiRatePerSecond: rate, apiRateBurst: burst } = this.limits;
    const now = this.now();
    const b = this.buckets.get(client) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000);
    b.at = now;
    this.buckets.set(client, b);
    if (b.tokens < 1) return Math.max(1, Math.ceil((1 - b.tokens) / rate));
    b.tokens -= 1;
    return 0;
  }

  /** A stream slot for the client, or why there is none. */
  openStream(client: string): 'ok' | 'client-full' | 'server-full' {
    const n = this.streams.get(client) ?? 0;
    if (n >= this.limits.apiMaxStreamsPerClient) return 'client-full';
    if (this.openStreams >= this.limits.apiMaxStreams) return 'server-full';
    this.streams.set(client, n + 1);
    this.openStreams++;
    return 'ok';
  }

  closeStream(client: string): void {
    if (release(this.streams, client)) this.openStreams--;
  }

  get streamCount(): number {
    return this.openStreams;
  }

  /** Forgets buckets that have refilled: their clients would start from a full bucket anyway. */
  sweep(): void {
    const full = (this.limits.apiRateBurst / this.limits.apiRatePerSecond) * 1000;
    const now = this.now();
    for (const [client, b] of this.buckets) if (now - b.at >= full) this.buckets.delete(client);
  }
}

function release(counts: Map<string, number>, client: string): boolean {
  const n = counts.get(client);
  if (n === undefined) return false;
  if (n <= 1) counts.delete(client);
  else counts.set(client, n - 1);
  return true;
}

/**
 * Applies the per-client limits to every request of `app`: connections are
 * counted as they open (a connection beyond the client's share gets 429 on
 * its first request and is closed), then each request takes a token.
 * Connections beyond `apiMaxConnections` in all are dropped by Node unanswered.
 */
export function installClientLimits(
  app: ApiApp,
  limits: ClientLimits,
  apiLimits: ApiLimits,
  metrics: ApiMetrics,
): void {
  const over = new WeakSet<Socket>();
  app.server.maxConnections = apiLimits.apiMaxConnections;
  app.server.on('connection', (socket: Socket) => {
    const client = clientOf(socket);
    if (!limits.openConnection(client)) {
      over.add(socket);
      // It gets one answer; a client that never sends a request does not keep the slot.
      socket.setTimeout(5000, () => socket.destroy());
    }
    socket.once('close', () => limits.closeConnection(client));
  });
  const sweep = setInterval(() => limits.sweep(), 10_000);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));

  app.addHook('onRequest', async (req, reply) => {
    if (over.has(req.socket)) {
      metrics.refused.inc({ code: 'too-many-connections' });
      throw new ApiError(
        'too-many-connections',
        `at most ${apiLimits.apiMaxConnectionsPerClient} open connections per client; close some and retry`,
        429,
      );
    }
    const wait = limits.takeToken(clientOf(req.socket));
    if (wait > 0) {
      metrics.refused.inc({ code: 'rate-limited' });
      reply.header('retry-after', String(wait));
      throw new ApiError(
        'rate-limited',
        `more than ${apiLimits.apiRatePerSecond} requests per second from this client; retry in ${wait} s`,
        429,
      );
    }
  });
}
