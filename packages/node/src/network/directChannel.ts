import type { IncomingStreamData, Libp2p, PeerId, Stream } from '@libp2p/interface';
import * as lp from 'it-length-prefixed';
import type { Logger } from 'pino';
import type { NetworkMetrics } from './metrics.ts';
import { leagKeyFromPeerId, peerIdFromLeagKey } from './peerIdentity.ts';
import { chunks, lengthPrefixed } from './streamFrames.ts';

/** Receives a frame sent with `sendTo`; `fromLeagKey` is the sender's authenticated LEAG key (its noise identity). */
export type DirectHandler = (data: Uint8Array, fromLeagKey: Uint8Array) => void;

export interface DirectOptions {
  /** Largest frame sent or accepted; consensus messages carry blocks, so the daemon uses the consensus topic limit. */
  readonly maxFrameBytes: number;
  /** Frames waiting for one peer's stream; when full the oldest is dropped (a newer consensus message supersedes it). */
  readonly maxQueuedFrames: number;
  /** Bound on opening a stream (protocol negotiation on an existing connection). */
  readonly openTimeoutMs: number;
  /** After a failed open, frames to that peer are refused (sendTo returns false) for this long. */
  readonly retryAfterMs: number;
}

export const DEFAULT_DIRECT_OPTIONS: Omit<DirectOptions, 'maxFrameBytes'> = {
  maxQueuedFrames: 256,
  openTimeoutMs: 5_000,
  retryAfterMs: 1_000,
};

export interface DirectChannelComponents {
  libp2p: Pick<
    Libp2p,
    'handle' | 'unhandle' | 'dialProtocol' | 'getConnections' | 'addEventListener' | 'removeEventListener'
  >;
  metrics: NetworkMetrics;
  logger: Logger;
}

/** One peer's outbound side: a queue drained by a single long-lived stream. */
interface Outbound {
  readonly peer: PeerId;
  readonly queue: Uint8Array[];
  stream: Stream | null;
  /** The current stream's source; ended when the stream ends, so that it takes no frame meant for the next one. */
  source: FrameSource | null;
  opening: boolean;
  closed: boolean;
  /** No new stream is opened before this time (ms since epoch). */
  retryAt: number;
}

/**
 * Point-to-point delivery between connected LEAGs over `/v2g/<chainId>/direct/1`.
 *
 * Gossipsub drops a message whose id (the hash of its data) it has seen, so
 * re-sending the same signed vote never reaches a LEAG that missed it; this
 * channel has no such cache. Each peer gets one long-lived outbound stream of
 * length-prefixed frames, re-opened when it breaks. Delivery is best effort:
 * frames queued on a stream that breaks are lost, and a full queue drops its
 * oldest frame. Only LEAGs can connect (the gater), so every sender is a LEAG.
 */
export class DirectChannel {
  private readonly components: DirectChannelComponents;
  private readonly protocol: string;
  private readonly options: DirectOptions;
  private readonly outbound = new Map<string, Outbound>();
  private readonly inbound = new Set<Stream>();
  private readonly handlers = new Set<DirectHandler>();
  private running = false;
  private readonly onDisconnect = (event: CustomEvent<PeerId>): void => {
    const state = this.outbound.get(event.detail.toString());
    if (state !== undefined) this.close(state, 'disconnected');
  };

  constructor(components: DirectChannelComponents, protocol: string, options: DirectOptions) {
    this.components = components;
    this.protocol = protocol;
    this.options = options;
  }

  async start(): Promise<void> {
    await this.components.libp2p.handle(this.protocol, (data) => void this.receive(data), {
      // One stream per direction per peer, plus room for a replacement while the old one is torn down.
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
    });
    this.components.libp2p.addEventListener('peer:disconnect', this.onDisconnect);
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.components.libp2p.removeEventListener('peer:disconnect', this.onDisconnect);
    for (const state of [...this.outbound.values()]) this.close(state, 'stopped');
    for (const stream of this.inbound) stream.abort(new Error('direct channel stopped'));
    this.inbound.clear();
    await this.components.libp2p.unhandle(this.protocol);
  }

  onDirect(handler: DirectHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Queues a frame for a connected LEAG; false (and nothing queued) when that is not possible right now. Never throws. */
  sendTo(leagKey: Uint8Array, data: Uint8Array): boolean {
    const { metrics, libp2p } = this.components;
    if (!this.running) return this.refuse('not-started');
    if (data.length > this.options.maxFrameBytes) return this.refuse('too-large');
    let peer: PeerId;
    try {
      peer = peerIdFromLeagKey(leagKey);
    } catch {
      return this.refuse('bad-key');
    }
    const id = peer.toString();
    if (libp2p.getConnections(peer).length === 0) return this.refuse('not-connected');
    let state = this.outbound.get(id);
    if (state === undefined) {
      state = {
        peer,
        queue: [],
        stream: null,
        source: null,
        opening: false,
        closed: false,
        retryAt: 0,
      };
      this.outbound.set(id, state);
    }
    if (state.stream === null && !state.opening && Date.now() < state.retryAt)
      return this.refuse('open-failed');
    if (state.queue.length >= this.options.maxQueuedFrames) {
      state.queue.shift();
      metrics.directDropped.inc({ reason: 'queue-full' });
    }
    state.queue.push(data);
    metrics.directSent.inc({ result: 'queued' });
    if (state.stream === null) void this.open(state);
    else state.source?.wake();
    return true;
  }

  private refuse(result: string): false {
    this.components.metrics.directSent.inc({ result });
    return false;
  }

  private async open(state: Outbound): Promise<void> {
    if (state.opening || state.closed) return;
    const { libp2p, metrics, logger } = this.components;
    state.opening = true;
    let stream: Stream;
    try {
      stream = await libp2p.dialProtocol(state.peer, this.protocol, {
        signal: AbortSignal.timeout(this.options.openTimeoutMs),
      });
    } catch (err) {
      metrics.directStreams.inc({ result: 'open-failed' });
      logger.debug({ peer: state.peer.toString(), err }, 'direct stream open failed');
      state.retryAt = Date.now() + this.options.retryAfterMs;
      this.drop(state, 'open-failed');
      return;
    } finally {
      state.opening = false;
    }
    if (state.closed) {
      stream.abort(new Error('direct channel closed'));
      return;
    }
    metrics.directStreams.inc({ result: 'opened' });
    const source = new FrameSource(() => {
      const frame = state.queue.shift();
      if (frame === undefined) return undefined;
      metrics.directFramesWritten.inc();
      return lengthPrefixed(frame);
    });
    state.stream = stream;
    state.source = source;
    stream.sink(source).then(
      () => this.ended(state, stream, null),
      (err: unknown) => this.ended(state, stream, err),
    );
    // The receiver never writes: its side ends only when it resets or closes the stream. Watching it is how a
    // break is noticed at once; the sink alone would notice only on its next write (libp2p's multistream
    // wrapper does not end our source on a reset), losing that frame.
    void this.watch(state, stream);
  }

  private async watch(state: Outbound, stream: Stream): Promise<void> {
    let error: unknown = null;
    try {
      for await (const _ of stream.source) {
        // Nothing is expected from the receiver; anything it sends is ignored.
      }
    } catch (err) {
      error = err;
    }
    this.ended(state, stream, error);
    if (stream.status === 'open') stream.abort(new Error('direct stream closed by the receiver'));
  }

  private ended(state: Outbound, stream: Stream, err: unknown): void {
    if (state.stream !== stream) return;
    state.stream = null;
    state.source?.end();
    state.source = null;
    if (state.closed) return;
    this.components.metrics.directStreams.inc({ result: 'broken' });
    this.components.logger.debug({ peer: state.peer.toString(), err }, 'direct stream ended');
    // Re-open at once if frames are waiting and the peer is still connected; otherwise the next sendTo does.
    if (state.queue.length === 0) return;
    if (this.components.libp2p.getConnections(state.peer).length > 0) void this.open(state);
    else this.drop(state, 'not-connected');
  }

  private drop(state: Outbound, reason: string): void {
    if (state.queue.length > 0) this.components.metrics.directDropped.inc({ reason }, state.queue.length);
    state.queue.length = 0;
  }

  private close(state: Outbound, reason: string): void {
    state.closed = true;
    this.outbound.delete(state.peer.toString());
    this.drop(state, reason);
    state.source?.end();
    state.source = null;
    state.stream?.abort(new Error(`direct channel ${reason}`));
    state.stream = null;
  }

  private async receive({ stream, connection }: IncomingStreamData): Promise<void> {
    const { metrics, logger } = this.components;
    const from = leagKeyFromPeerId(connection.remotePeer);
    if (from === null) {
      // Unreachable behind the LEAG gater, which admits ed25519 LEAG identities only.
      stream.abort(new Error('not a LEAG'));
      return;
    }
    this.inbound.add(stream);
    const maxDataLength = this.options.maxFrameBytes;
    try {
      for await (const frame of lp.decode(chunks(stream.source), { maxDataLength })) {
        metrics.directReceived.inc({ result: 'ok' });
        this.deliver(frame.subarray(), from);
      }
      // The sender closed its side (it stopped or replaced the stream); we never write, so close ours.
      await stream.close().catch(() => undefined);
    } catch (err) {
      // A frame over the limit, or a broken stream. The reset tells the sender, which opens a new stream.
      const tooLarge = err instanceof Error && err.name === 'InvalidDataLengthError';
      metrics.directReceived.inc({ result: tooLarge ? 'too-large' : 'stream-error' });
      logger.debug({ peer: connection.remotePeer.toString(), err }, 'direct stream read failed');
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.inbound.delete(stream);
    }
  }

  private deliver(data: Uint8Array, from: Uint8Array): void {
    for (const handler of this.handlers) {
      try {
        handler(data, from);
      } catch (err) {
        this.components.logger.warn({ err }, 'direct handler threw');
      }
    }
  }
}

/**
 * An async iterator over frames as they are queued: `next()` waits while the
 * queue is empty, `wake()` hands a newly queued frame to a waiting `next()`,
 * and `end()` (or `return()`, which libp2p calls on a reset) finishes it.
 */
class FrameSource implements AsyncIterableIterator<Uint8Array> {
  private readonly take: () => Uint8Array | undefined;
  private waiting: ((result: IteratorResult<Uint8Array>) => void) | null = null;
  private ended = false;

  constructor(take: () => Uint8Array | undefined) {
    this.take = take;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    const frame = this.take();
    if (frame !== undefined) return Promise.resolve({ done: false, value: frame });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  wake(): void {
    if (this.waiting === null) return;
    const frame = this.take();
    if (frame === undefined) return;
    const resolve = this.waiting;
    this.waiting = null;
    resolve({ done: false, value: frame });
  }

  end(): void {
    this.ended = true;
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ done: true, value: undefined });
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }
}
