import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { Logger } from 'pino';
import { NetworkError } from './errors.ts';
import type { NetworkMetrics } from './metrics.ts';

export interface BootstrapPeer {
  readonly peerId: PeerId;
  readonly addr: Multiaddr;
}

/** Parses `/ip4/…/tcp/…/p2p/<id>`; the peer id is required so the gater and noise can check who answers. */
export function parseBootstrapAddr(text: string): BootstrapPeer {
  let addr: Multiaddr;
  try {
    addr = multiaddr(text);
  } catch (err) {
    throw new NetworkError({ code: 'bad-multiaddr', multiaddr: text, reason: String(err) });
  }
  const id = addr.getPeerId();
  if (id === null)
    throw new NetworkError({ code: 'bad-multiaddr', multiaddr: text, reason: 'missing /p2p/<peer id>' });
  return { peerId: peerIdFromString(id), addr };
}

export interface RedialOptions {
  /** First retry delay; doubles on every failure. */
  readonly minDelayMs: number;
  /** Cap of the retry delay: a lost bootstrap peer is retried forever, at least this often. */
  readonly maxDelayMs: number;
  /** Abandon a single dial attempt after this long. */
  readonly dialTimeoutMs: number;
}

export interface BootstrapDialerComponents {
  libp2p: Pick<Libp2p, 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>;
  metrics: NetworkMetrics;
  logger: Logger;
}

interface PeerState {
  readonly peer: BootstrapPeer;
  failures: number;
  timer: NodeJS.Timeout | null;
  dialling: boolean;
}

/**
 * DESIGN §8: "Dial the configured bootstrap peers and re-dial on loss."
 * Each bootstrap peer is dialled at start; when its last connection closes,
 * or a dial fails, it is dialled again after an exponential, capped, jittered
 * delay.
 */
export class BootstrapDialer {
  private readonly components: BootstrapDialerComponents;
  private readonly options: RedialOptions;
  private readonly peers = new Map<string, PeerState>();
  private running = false;
  private readonly onDisconnect = (event: CustomEvent<PeerId>): void => {
    const state = this.peers.get(event.detail.toString());
    if (state === undefined || !this.running) return;
    this.components.logger.info({ peer: state.peer.peerId.toString() }, 'bootstrap peer lost');
    this.schedule(state, this.options.minDelayMs);
  };

  constructor(
    components: BootstrapDialerComponents,
    peers: readonly BootstrapPeer[],
    options: RedialOptions,
  ) {
    this.components = components;
    this.options = options;
    for (const peer of peers)
      this.peers.set(peer.peerId.toString(), { peer, failures: 0, timer: null, dialling: false });
  }

  start(): void {
    this.running = true;
    this.components.libp2p.addEventListener('peer:disconnect', this.onDisconnect);
    for (const state of this.peers.values()) this.schedule(state, 0);
  }

  stop(): void {
    this.running = false;
    this.components.libp2p.removeEventListener('peer:disconnect', this.onDisconnect);
    for (const state of this.peers.values()) {
      if (state.timer !== null) clearTimeout(state.timer);
      state.timer = null;
    }
  }

  private schedule(state: PeerState, delayMs: number): void {
    if (!this.running || state.timer !== null) return;
    state.timer = setTimeout(() => {
      state.timer = null;
      void this.dial(state);
    }, delayMs);
  }

  private async dial(state: PeerState): Promise<void> {
    const { libp2p, metrics, logger } = this.components;
    if (!this.running || state.dialling) return;
    if (libp2p.getConnections(state.peer.peerId).length > 0) {
      state.failures = 0;
      return;
    }
    state.dialling = true;
    try {
      await libp2p.dial(state.peer.addr, { signal: AbortSignal.timeout(this.options.dialTimeoutMs) });
      state.failures = 0;
      metrics.bootstrapDials.inc({ result: 'ok' });
      logger.debug({ peer: state.peer.peerId.toString() }, 'bootstrap peer dialled');
    } catch (err) {
      state.failures++;
      metrics.bootstrapDials.inc({ result: 'error' });
      const delay = this.backoff(state.failures);
      logger.debug(
        { peer: state.peer.peerId.toString(), failures: state.failures, retryMs: delay, err },
        'bootstrap dial failed',
      );
      this.schedule(state, delay);
    } finally {
      state.dialling = false;
    }
  }

  private backoff(failures: number): number {
    const { minDelayMs, maxDelayMs } = this.options;
    const base = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(failures - 1, 20));
    // Jitter so that LEAGs restarted together do not dial in lockstep.
    return Math.round(base * (0.75 + Math.random() * 0.25));
  }
}
