import {
  type IncomingStreamData,
  KEEP_ALIVE,
  type Libp2p,
  type PeerId,
  type Stream,
} from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { Logger } from 'pino';
import type { LeagDirectory } from './leagAllowList.ts';
import type { NetworkMetrics } from './metrics.ts';
import { decodePeerAddrs, encodePeerAddrs, MAX_PEERS_RESPONSE_BYTES } from './peerExchange.ts';
import { leagKeyFromPeerId } from './peerIdentity.ts';
import { lengthPrefixed, readFrame } from './streamFrames.ts';

export interface DiscoveryOptions {
  /** Dial learned LEAGs until this many are connected (committee members are dialled regardless). */
  readonly targetPeers: number;
  readonly intervalMs: number;
  /** Connected LEAGs asked per round. */
  readonly askPerRound: number;
  /** Dials started per round. */
  readonly dialsPerRound: number;
  readonly dialTimeoutMs: number;
  /** Bound on one peers request: open, read, close. */
  readonly requestTimeoutMs: number;
  /** A LEAG whose dial failed is not dialled again for this long (doubling on each failure, capped at 8×). */
  readonly retryAfterMs: number;
}

export const DEFAULT_DISCOVERY_OPTIONS: Omit<
  DiscoveryOptions,
  'targetPeers' | 'intervalMs' | 'dialTimeoutMs'
> = {
  askPerRound: 3,
  dialsPerRound: 16,
  requestTimeoutMs: 5_000,
  retryAfterMs: 5_000,
};

/** A peer-store tag: libp2p re-dials keep-alive peers it loses and prunes them last. */
const COMMITTEE_TAG = `${KEEP_ALIVE}-v2g-committee`;
/** Addresses offered per LEAG in an answer. */
const ADDRS_PER_PEER = 4;

export interface PeerDiscoveryComponents {
  libp2p: Pick<
    Libp2p,
    'peerId' | 'handle' | 'unhandle' | 'dialProtocol' | 'dial' | 'getPeers' | 'getConnections' | 'peerStore'
  >;
  leags: LeagDirectory;
  metrics: NetworkMetrics;
  logger: Logger;
}

interface Candidate {
  readonly peer: PeerId;
  failures: number;
  retryAt: number;
}

/**
 * Finds the other LEAGs from a single bootstrap address. Each round asks a
 * few connected LEAGs, over `/v2g/<chainId>/peers/1`, for the addresses of the
 * LEAGs they are connected to, keeps those whose key is in the LEAG directory,
 * and dials the ones it lacks: committee members always, others until
 * `targetPeers` are connected. Addresses go into the peer store, so libp2p
 * and gossipsub can re-dial by peer id.
 */
export class PeerDiscovery {
  private readonly components: PeerDiscoveryComponents;
  private readonly protocol: string;
  private readonly options: DiscoveryOptions;
  private readonly candidates = new Map<string, Candidate>();
  private committee = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** When the pending timer fires (ms since epoch); Infinity when none is pending. */
  private dueAt = Number.POSITIVE_INFINITY;
  private running = false;
  private inRound = false;
  /** A nudge arrived during a round: run another soon after it. */
  private again = false;
  /** Rounds in a row that learned and dialled nothing; spaces rounds out while short of peers. */
  private quietRounds = 0;

  constructor(components: PeerDiscoveryComponents, protocol: string, options: DiscoveryOptions) {
    this.components = components;
    this.protocol = protocol;
    this.options = options;
  }

  async start(): Promise<void> {
    await this.components.libp2p.handle(this.protocol, (data) => void this.serve(data), {
      maxInboundStreams: 8,
      maxOutboundStreams: 4,
    });
    this.running = true;
    this.schedule(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.components.libp2p.unhandle(this.protocol);
  }

  /** Runs a round shortly (calls coalesce): on a new connection, while short of `targetPeers`. */
  nudge(delayMs = 200): void {
    if (this.inRound) this.again = true;
    else this.schedule(delayMs);
  }

  /** Sets the next round's timer, unless one is due sooner already. */
  private schedule(delayMs: number): void {
    if (!this.running) return;
    const due = Date.now() + delayMs;
    if (this.timer !== null) {
      if (due >= this.dueAt) return;
      clearTimeout(this.timer);
    }
    this.dueAt = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dueAt = Number.POSITIVE_INFINITY;
      void this.round();
    }, delayMs);
  }

  /** The committee's LEAG peers: tagged keep-alive, dialled whatever `targetPeers` says. */
  async setCommittee(peers: readonly PeerId[]): Promise<void> {
    const next = new Set(peers.map((p) => p.toString()));
    next.delete(this.components.libp2p.peerId.toString());
    const { peerStore } = this.components.libp2p;
    const changes: Promise<unknown>[] = [];
    for (const id of this.committee)
      if (!next.has(id))
        changes.push(peerStore.merge(peerIdFromString(id), { tags: { [COMMITTEE_TAG]: undefined } }));
    for (const id of next)
      if (!this.committee.has(id))
        changes.push(peerStore.merge(peerIdFromString(id), { tags: { [COMMITTEE_TAG]: { value: 100 } } }));
    this.committee = next;
    await Promise.allSettled(changes);
    this.nudge(0);
  }

  /**
   * One round: ask, learn, dial. Never throws; rounds do not overlap. While short of `targetPeers` the
   * next round follows quickly, backing off to `intervalMs` as rounds stop finding anything new.
   */
  async round(): Promise<void> {
    if (!this.running) return;
    if (this.inRound) {
      this.again = true;
      return;
    }
    this.inRound = true;
    const knownBefore = this.candidates.size;
    let dialled = 0;
    try {
      const asked = shuffle(this.components.libp2p.getPeers()).slice(0, this.options.askPerRound);
      const answers = await Promise.all(asked.map((peer) => this.ask(peer)));
      for (const addrs of answers) await this.learn(addrs);
      dialled = await this.dialMissing();
    } catch (err) {
      this.components.logger.warn({ err }, 'peer discovery round failed');
    } finally {
      this.inRound = false;
    }
    this.quietRounds = this.candidates.size > knownBefore || dialled > 0 ? 0 : this.quietRounds + 1;
    const short = this.components.libp2p.getPeers().length < this.options.targetPeers;
    const { intervalMs } = this.options;
    const delay = this.again
      ? 200
      : short
        ? Math.min(intervalMs, 250 * 2 ** Math.min(this.quietRounds, 10))
        : intervalMs;
    this.again = false;
    this.schedule(delay);
  }

  private async ask(peer: PeerId): Promise<string[]> {
    const { libp2p, metrics, logger } = this.components;
    const signal = AbortSignal.timeout(this.options.requestTimeoutMs);
    let stream: Stream | undefined;
    try {
      stream = await libp2p.dialProtocol(peer, this.protocol, { signal });
      const abort = (): void => stream?.abort(new Error('peers request timed out'));
      signal.addEventListener('abort', abort, { once: true });
      try {
        await stream.closeWrite({ signal });
        const addrs = decodePeerAddrs(await readFrame(stream, MAX_PEERS_RESPONSE_BYTES));
        await stream.close({ signal });
        metrics.discoveryRequests.inc({ result: 'ok' });
        return addrs;
      } finally {
        signal.removeEventListener('abort', abort);
      }
    } catch (err) {
      metrics.discoveryRequests.inc({ result: signal.aborted ? 'timeout' : 'error' });
      logger.debug({ peer: peer.toString(), err }, 'peers request failed');
      stream?.abort(err instanceof Error ? err : new Error(String(err)));
      return [];
    }
  }

  /** Keeps, from an answer, the addresses of registered LEAGs other than ourselves. */
  private async learn(addrs: readonly string[]): Promise<void> {
    const { libp2p, leags } = this.components;
    const byPeer = new Map<string, Multiaddr[]>();
    for (const text of addrs) {
      let addr: Multiaddr;
      try {
        addr = multiaddr(text);
      } catch {
        continue;
      }
      const id = addr.getPeerId();
      if (id === null || id === libp2p.peerId.toString()) continue;
      const key = leagKeyFromPeerId(id);
      if (key === null || !leags.isLeag(key)) continue;
      byPeer.set(id, [...(byPeer.get(id) ?? []), addr.decapsulateCode(PROTOCOL_P2P)]);
    }
    for (const [id, multiaddrs] of byPeer) {
      const peer = peerIdFromString(id);
      if (!this.candidates.has(id)) this.candidates.set(id, { peer, failures: 0, retryAt: 0 });
      await libp2p.peerStore.merge(peer, { multiaddrs }).catch(() => undefined);
    }
    this.components.metrics.discoveryKnown.set(this.candidates.size);
  }

  /** Dials the LEAGs this node lacks; resolves to how many dials succeeded. */
  private async dialMissing(): Promise<number> {
    const { libp2p, leags } = this.components;
    const now = Date.now();
    const missing = [...this.candidates.values()].filter((c) => {
      const key = leagKeyFromPeerId(c.peer);
      if (key === null || !leags.isLeag(key)) {
        this.candidates.delete(c.peer.toString());
        return false;
      }
      return c.retryAt <= now && libp2p.getConnections(c.peer).length === 0;
    });
    const committee = missing.filter((c) => this.committee.has(c.peer.toString()));
    const others = shuffle(missing.filter((c) => !this.committee.has(c.peer.toString())));
    const room = Math.max(0, this.options.targetPeers - libp2p.getPeers().length - committee.length);
    const toDial = [...committee, ...others.slice(0, room)].slice(0, this.options.dialsPerRound);
    const results = await Promise.all(toDial.map((c) => this.dial(c)));
    return results.filter(Boolean).length;
  }

  private async dial(candidate: Candidate): Promise<boolean> {
    const { libp2p, metrics, logger } = this.components;
    try {
      await libp2p.dial(candidate.peer, { signal: AbortSignal.timeout(this.options.dialTimeoutMs) });
      candidate.failures = 0;
      metrics.discoveryDials.inc({ result: 'ok' });
      return true;
    } catch (err) {
      candidate.failures++;
      candidate.retryAt = Date.now() + this.options.retryAfterMs * 2 ** Math.min(candidate.failures - 1, 3);
      metrics.discoveryDials.inc({ result: 'error' });
      logger.debug(
        { peer: candidate.peer.toString(), failures: candidate.failures, err },
        'discovered LEAG dial failed',
      );
      return false;
    }
  }

  private async serve({ stream, connection }: IncomingStreamData): Promise<void> {
    const { metrics, logger } = this.components;
    const signal = AbortSignal.timeout(this.options.requestTimeoutMs);
    try {
      const addrs = await this.connectedLeagAddrs(connection.remotePeer, isLoopback(connection.remoteAddr));
      await stream.sink([lengthPrefixed(encodePeerAddrs(addrs))]);
      await stream.close({ signal });
      metrics.discoveryServed.inc();
    } catch (err) {
      logger.debug({ peer: connection.remotePeer.toString(), err }, 'peers answer failed');
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Listen addresses (from identify) of the connected LEAGs other than `asker`, each with its `/p2p/` id.
   * Loopback addresses go only to an asker on loopback: to a LEAG on another host they name itself.
   */
  private async connectedLeagAddrs(asker: PeerId, askerOnLoopback: boolean): Promise<string[]> {
    const { libp2p, leags } = this.components;
    const out: string[] = [];
    for (const peer of libp2p.getPeers()) {
      if (peer.equals(asker)) continue;
      const key = leagKeyFromPeerId(peer);
      if (key === null || !leags.isLeag(key)) continue;
      const stored = await libp2p.peerStore.get(peer).catch(() => null);
      const addrs = (stored?.addresses ?? [])
        .map((a) => a.multiaddr)
        .filter((a) => a.getPeerId() === null && a.protoNames().includes('tcp'))
        .filter((a) => askerOnLoopback || !isLoopback(a))
        .slice(0, ADDRS_PER_PEER);
      for (const addr of addrs) out.push(addr.encapsulate(`/p2p/${peer.toString()}`).toString());
    }
    return out;
  }
}

function isLoopback(addr: Multiaddr): boolean {
  try {
    const { host } = addr.toOptions();
    return host.startsWith('127.') || host === '::1';
  } catch {
    return false; // not an IP address (a relay, say): never a loopback one
  }
}

/** The multiaddr protocol code of `/p2p/`. */
const PROTOCOL_P2P = 421;

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
