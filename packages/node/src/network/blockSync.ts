import type { IncomingStreamData, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { MAX_BLOCK_BYTES } from '@v2g/core';
import type { Logger } from 'pino';
import { NetworkError } from './errors.ts';
import type { NetworkMetrics } from './metrics.ts';
import { lengthPrefixed, readFrame } from './streamFrames.ts';
import {
  decodeSyncRequest,
  decodeSyncResponse,
  encodeSyncRequest,
  encodeSyncResponse,
  MAX_SYNC_REQUEST_BYTES,
  type SyncResponse,
} from './syncMessages.ts';

/** The daemon's side of sync: encoded blocks with certificates for heights `from..to`, in order, stopping at its head. */
export interface BlockSource {
  serveBlocks(from: number, to: number): Promise<Uint8Array[]>;
}

export interface SyncOptions {
  /** Most blocks asked for or served in one request. */
  readonly maxBlocks: number;
  /** A response stops adding blocks at this size (one block is always sent, whatever its size). */
  readonly maxResponseBytes: number;
  /** Bound on a whole request: dial, write, server work, read. */
  readonly timeoutMs: number;
  /** Requests served at once; more get a `busy` error. */
  readonly maxConcurrentServed: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  maxBlocks: 512,
  maxResponseBytes: 4 * 1024 * 1024,
  timeoutMs: 10_000,
  maxConcurrentServed: 8,
};

/** Largest response a client accepts: the budget plus one maximal block and its certificate. */
export function maxResponseFrame(options: SyncOptions): number {
  return options.maxResponseBytes + MAX_BLOCK_BYTES + 128 * 1024;
}

export interface BlockSyncComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>;
  blockSource: BlockSource;
  metrics: NetworkMetrics;
  logger: Logger;
}

/**
 * Request/response block sync (DESIGN §8): one length-prefixed canonical
 * CBOR frame each way per stream. Verifying what comes back (certificates
 * against the committee the node computes itself) is the daemon's job.
 */
export class BlockSync {
  private readonly components: BlockSyncComponents;
  private readonly protocol: string;
  private readonly options: SyncOptions;
  private serving = 0;

  constructor(components: BlockSyncComponents, protocol: string, options: SyncOptions) {
    this.components = components;
    this.protocol = protocol;
    this.options = options;
  }

  async start(): Promise<void> {
    await this.components.libp2p.handle(this.protocol, (data) => void this.serve(data), {
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
    });
  }

  async stop(): Promise<void> {
    await this.components.libp2p.unhandle(this.protocol);
  }

  async requestBlocks(peer: PeerId, from: number, to: number): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to)
      throw new NetworkError({ code: 'bad-sync-range', from, to, reason: 'expected 0 <= from <= to' });
    const last = Math.min(to, from + this.options.maxBlocks - 1);
    const { metrics } = this.components;
    const peerText = peer.toString();
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let stream: Stream | undefined;
    const abort = (): void => stream?.abort(new Error('sync request timed out'));
    signal.addEventListener('abort', abort, { once: true });
    try {
      stream = await this.components.libp2p.dialProtocol(peer, this.protocol, { signal });
      await stream.sink([lengthPrefixed(encodeSyncRequest({ from, to: last }))]);
      const frame = await readFrame(stream, maxResponseFrame(this.options));
      await stream.close({ signal });
      let response: SyncResponse;
      try {
        response = decodeSyncResponse(frame, maxResponseFrame(this.options));
      } catch (err) {
        throw new NetworkError({ code: 'sync-bad-response', peer: peerText, reason: String(err) });
      }
      if (response.status === 'error')
        throw new NetworkError({ code: 'sync-refused', peer: peerText, reason: response.reason });
      if (response.blocks.length > last - from + 1)
        throw new NetworkError({
          code: 'sync-bad-response',
          peer: peerText,
          reason: 'more blocks than requested',
        });
      metrics.syncRequested.inc({ result: 'ok' });
      return [...response.blocks];
    } catch (err) {
      const error = signal.aborted
        ? new NetworkError({ code: 'sync-timeout', peer: peerText, timeoutMs: this.options.timeoutMs })
        : err instanceof NetworkError
          ? err
          : new NetworkError({ code: 'sync-failed', peer: peerText, reason: errorText(err) });
      metrics.syncRequested.inc({ result: error.code });
      stream?.abort(error);
      throw error;
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  private async serve({ stream, connection }: IncomingStreamData): Promise<void> {
    const { metrics, logger } = this.components;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const abort = (): void => stream.abort(new Error('sync serve timed out'));
    signal.addEventListener('abort', abort, { once: true });
    let result = 'ok';
    this.serving++;
    try {
      const response = await this.respond(stream);
      if (response.status === 'error') result = response.reason;
      else metrics.syncBlocksServed.inc(response.blocks.length);
      await stream.sink([lengthPrefixed(encodeSyncResponse(response))]);
      await stream.close({ signal });
    } catch (err) {
      result = signal.aborted ? 'timeout' : 'stream-error';
      logger.debug({ peer: connection.remotePeer.toString(), err }, 'sync serve failed');
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.serving--;
      signal.removeEventListener('abort', abort);
      metrics.syncServed.inc({ result });
    }
  }

  private async respond(stream: Stream): Promise<SyncResponse> {
    let request: { from: number; to: number };
    try {
      request = decodeSyncRequest(await readFrame(stream, MAX_SYNC_REQUEST_BYTES));
    } catch {
      return { status: 'error', reason: 'bad-request' };
    }
    if (this.serving > this.options.maxConcurrentServed) return { status: 'error', reason: 'busy' };
    const to = Math.min(request.to, request.from + this.options.maxBlocks - 1);
    let blocks: Uint8Array[];
    try {
      blocks = await this.components.blockSource.serveBlocks(request.from, to);
    } catch (err) {
      this.components.logger.warn({ ...request, err }, 'block source failed');
      return { status: 'error', reason: 'unavailable' };
    }
    const sent: Uint8Array[] = [];
    let size = 0;
    for (const block of blocks.slice(0, to - request.from + 1)) {
      if (sent.length > 0 && size + block.length > this.options.maxResponseBytes) break;
      sent.push(block);
      size += block.length;
    }
    return { status: 'ok', blocks: sent };
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
