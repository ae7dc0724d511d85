import { bytesEqual, toHex } from '@v2g/core';
import type { Clock } from '../interface.ts';

/** How a driver asks for blocks: the response comes back as `ConsensusDriver.receiveBlocks` or `syncFailed`. */
export interface SyncPort {
  request(peer: Uint8Array, fromHeight: number): void;
}

export interface SyncOptions {
  /** A request without an answer after this long counts as failed. */
  readonly requestTimeoutMs: number;
  /** First pause before asking again after a failure; doubles up to `maxBackoffMs`. */
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  /** At start the engine waits for the first catch-up at most this long. */
  readonly startWaitMs: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  requestTimeoutMs: 3_000,
  minBackoffMs: 500,
  maxBackoffMs: 8_000,
  startWaitMs: 5_000,
};

const MAX_PEERS = 64;

/**
 * When to ask whom for blocks. A LEAG learns that it is behind (a message
 * or a certified block from a later height) and wants blocks up to a target
 * height. One request is in flight at a time; it goes to the LEAG that
 * showed the later height first, then round-robin over every LEAG that has
 * shown one. A request that fails or times out is retried on a timer with
 * exponential backoff, from the next peer, until the head reaches the target:
 * sync never waits for another consensus message to try again.
 */
export class SyncScheduler {
  private readonly port: SyncPort;
  private readonly clock: Clock;
  private readonly options: SyncOptions;
  private readonly head: () => number;
  private readonly peers: Uint8Array[] = [];
  private next = 0;
  private target = 0;
  private inFlight: { peer: Uint8Array; from: number; cancel: () => void } | null = null;
  private retry: (() => void) | null = null;
  private backoffMs: number;
  private stopped = false;
  /** Pulling from a peer without knowing how far it is: until it answers with nothing new. */
  private probing = false;

  constructor(port: SyncPort, clock: Clock, options: SyncOptions, head: () => number) {
    this.port = port;
    this.clock = clock;
    this.options = options;
    this.head = head;
    this.backoffMs = options.minBackoffMs;
  }

  get syncing(): boolean {
    return this.target > this.head();
  }

  get targetHeight(): number {
    return this.target;
  }

  /** `peer` holds blocks at least up to `height`. */
  behind(peer: Uint8Array, height: number): void {
    this.addPeer(peer, true);
    if (height > this.target) this.target = height;
    if (this.target > this.head()) this.request();
  }

  /** Asks `peer` for whatever it has past our head, batch after batch, until it has nothing new. */
  probe(peer: Uint8Array): void {
    this.addPeer(peer, false);
    this.probing = true;
    this.target = Math.max(this.target, this.head() + 1);
    this.request();
  }

  /**
   * Blocks arrived from `peer` (after the driver imported them); `progressed`
   * if the head moved, `empty` if the peer had none past our head.
   */
  answered(peer: Uint8Array, progressed: boolean, empty = false): void {
    if (!this.isInFlight(peer)) return;
    this.clearInFlight();
    if (empty && this.probing && this.target <= this.head() + 1) {
      // The peer we probed has nothing past our head: caught up, as far as anyone told us.
      this.probing = false;
      this.target = this.head();
      return;
    }
    if (progressed) {
      this.backoffMs = this.options.minBackoffMs;
      if (this.probing) this.target = Math.max(this.target, this.head() + 1);
      // The same LEAG likely has the rest: ask it again at once.
      if (this.target > this.head()) this.requestFrom(peer);
      return;
    }
    this.failed(peer);
  }

  /** The request to `peer` failed (error, timeout, or an answer that did not move the head). */
  failed(peer: Uint8Array): void {
    if (this.isInFlight(peer)) this.clearInFlight();
    if (this.target <= this.head() || this.retry !== null || this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.options.maxBackoffMs, this.backoffMs * 2);
    this.retry = this.clock.setTimer(delay, () => {
      this.retry = null;
      this.request();
    });
  }

  stop(): void {
    this.stopped = true;
    this.retry?.();
    this.retry = null;
    this.clearInFlight();
  }

  private request(): void {
    if (this.stopped || this.inFlight !== null || this.retry !== null || this.peers.length === 0) return;
    if (this.target <= this.head()) return;
    const peer = this.peers[this.next % this.peers.length]!;
    this.next++;
    this.requestFrom(peer);
  }

  private requestFrom(peer: Uint8Array): void {
    if (this.stopped || this.inFlight !== null) return;
    const from = this.head() + 1;
    const cancel = this.clock.setTimer(this.options.requestTimeoutMs, () => this.failed(peer));
    this.inFlight = { peer, from, cancel };
    this.port.request(peer, from);
  }

  private isInFlight(peer: Uint8Array): boolean {
    return this.inFlight !== null && bytesEqual(this.inFlight.peer, peer);
  }

  private clearInFlight(): void {
    this.inFlight?.cancel();
    this.inFlight = null;
  }

  private addPeer(peer: Uint8Array, first: boolean): void {
    const id = toHex(peer);
    const at = this.peers.findIndex((p) => toHex(p) === id);
    if (at >= 0) this.peers.splice(at, 1);
    if (this.peers.length >= MAX_PEERS) this.peers.pop();
    if (first) {
      this.peers.unshift(peer);
      this.next = 0;
    } else this.peers.push(peer);
  }
}
