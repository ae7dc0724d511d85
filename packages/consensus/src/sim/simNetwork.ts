import type { Clock } from '../interface.ts';
import { EventQueue } from './eventQueue.ts';
import type { Prng } from './prng.ts';

/** gossipsub's seen-cache lifetime (GossipsubSeenTTL in @chainsafe/libp2p-gossipsub 14): 2 minutes. */
export const SEEN_TTL_MS = 120_000;

export interface LinkOptions {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Loss per delivery, in ppm, while `lossUntilMs` has not passed. */
  readonly lossPpm: number;
  readonly lossUntilMs: number;
}

/** What a simulated LEAG receives. */
export interface SimEndpoint {
  readonly up: boolean;
  deliver(from: number, payload: unknown): void;
}

type NetEvent =
  | {
      readonly kind: 'deliver';
      readonly from: number;
      readonly to: number;
      readonly payload: unknown;
      readonly id: string | null;
    }
  | { readonly kind: 'timer'; readonly fire: () => void; readonly live: { cancelled: boolean } }
  | { readonly kind: 'at'; readonly run: () => void };

/**
 * The simulated network with the semantics of the real one (decision 0011):
 *
 * - `gossip` is gossipsub: a message carries an id (the hash of its bytes in
 *   the daemon); a node drops an id it has seen in the last 2 minutes, and
 *   publishing an id the sender has already seen sends nothing at all. So a
 *   re-sent identical message reaches nobody new.
 * - `direct` is a stream to one node: no deduplication.
 * - A node receives only while it is up (connected); nothing is queued for
 *   it. A restart empties its seen cache (its memory).
 * - Partitions drop messages between groups; loss drops single deliveries.
 *
 * Gossip is modelled from the origin to each node directly (no relaying by
 * others), which is more pessimistic than a gossip mesh with loss.
 */
export class SimNetwork implements Clock {
  private readonly queue = new EventQueue<NetEvent>();
  private readonly nodes: SimEndpoint[] = [];
  private readonly seen: Map<string, number>[] = [];
  private readonly rng: Prng;
  private readonly link: LinkOptions;
  private partition: readonly number[] | null = null;
  private time = 0;
  sent = 0;

  constructor(rng: Prng, link: LinkOptions) {
    this.rng = rng;
    this.link = link;
  }

  add(node: SimEndpoint): number {
    this.nodes.push(node);
    this.seen.push(new Map());
    return this.nodes.length - 1;
  }

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, fire: () => void): () => void {
    const live = { cancelled: false };
    this.queue.push(this.time + delayMs, { kind: 'timer', fire, live });
    return () => {
      live.cancelled = true;
    };
  }

  /** Runs `run` at virtual time `at` (fault schedules). */
  at(at: number, run: () => void): void {
    this.queue.push(at, { kind: 'at', run });
  }

  setPartition(groups: readonly number[] | null): void {
    this.partition = groups;
  }

  get partitionGroups(): readonly number[] | null {
    return this.partition;
  }

  /** A node lost its memory (restart): it will accept every id again. */
  forget(node: number): void {
    this.seen[node] = new Map();
  }

  /** `extraDelayMs(to)` lets a Byzantine sender show different nodes different versions first. */
  gossip(from: number, id: string, payload: unknown, extraDelayMs?: (to: number) => number): void {
    if (this.hasSeen(from, id)) return;
    this.markSeen(from, id);
    for (let to = 0; to < this.nodes.length; to++)
      if (to !== from) this.send(from, to, payload, id, extraDelayMs?.(to) ?? 0);
  }

  direct(from: number, to: number, payload: unknown): void {
    if (to !== from) this.send(from, to, payload, null);
  }

  /** Handles the next event; false when none is left before `until`. */
  step(until: number): boolean {
    const next = this.queue.pop();
    if (!next || next.time > until) return false;
    this.time = next.time;
    const e = next.event;
    switch (e.kind) {
      case 'timer':
        if (!e.live.cancelled) e.fire();
        break;
      case 'at':
        e.run();
        break;
      case 'deliver': {
        const node = this.nodes[e.to]!;
        if (!node.up) break;
        if (e.id !== null) {
          if (this.hasSeen(e.to, e.id)) break;
          this.markSeen(e.to, e.id);
        }
        node.deliver(e.from, e.payload);
        break;
      }
    }
    return true;
  }

  private send(from: number, to: number, payload: unknown, id: string | null, extraDelayMs = 0): void {
    this.sent++;
    if (!this.nodes[from]!.up) return;
    if (this.partition !== null && this.partition[from] !== this.partition[to]) return;
    if (this.time < this.link.lossUntilMs && this.rng.chancePpm(this.link.lossPpm)) return;
    const delay =
      this.link.minDelayMs + this.rng.int(this.link.maxDelayMs - this.link.minDelayMs + 1) + extraDelayMs;
    this.queue.push(this.time + delay, { kind: 'deliver', from, to, payload, id });
  }

  private hasSeen(node: number, id: string): boolean {
    const until = this.seen[node]!.get(id);
    return until !== undefined && until > this.time;
  }

  private markSeen(node: number, id: string): void {
    const seen = this.seen[node]!;
    seen.set(id, this.time + SEEN_TTL_MS);
    if (seen.size > 50_000) for (const [k, t] of seen) if (t <= this.time) seen.delete(k);
  }
}
