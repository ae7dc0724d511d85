import type { AddResult, Mempool } from '@v2g/consensus';
import { decodeTxShared, encodeTx, isStatelessTxCode, type StateReader, type Tx, txBytes } from '@v2g/core';
import type { SliceQueue } from '../mempool/sliceQueue.ts';
import type { NodeMetrics } from '../metrics/nodeMetrics.ts';
import { ACCEPT, type GossipVerdict, ignore, reject } from '../network/verdict.ts';

/** Gossiped transactions waiting for their checks beyond which the API refuses new ones. */
const MAX_UNCHECKED_GOSSIP = 2000;
/** Pending transactions older than this are gossiped again (a proposer may have dropped them under load). */
const REGOSSIP_AFTER_MS = 5000;
const REGOSSIP_MAX = 2000;
/**
 * Refusals for want of room, not by a rule: counted in `v2g_txs_rejected_total`
 * only. Finding whether such a transaction was an order would mean decoding
 * it, and refusing a full pool must cost nothing.
 */
const CAPACITY_CODES: ReadonlySet<string> = new Set(['mempool-full', 'overloaded', 'unavailable']);

export type TxSource = 'api' | 'gossip' | 'evidence';

export interface TxIngressComponents {
  readonly mempool: Mempool;
  readonly state: () => StateReader;
  readonly metrics: NodeMetrics;
  /** Gossip checks run in short slices between other events. */
  readonly checks: SliceQueue;
  /** Queues verified transaction bytes for the next gossip batch. */
  readonly publish: (bytes: Uint8Array) => void;
  /** Why the LEAG takes no transactions now (its store cannot write), or null. */
  readonly unavailable: () => string | null;
}

/**
 * The one way a transaction enters a LEAG: from the API, from gossip, or as
 * evidence found by consensus. Every path decodes and verifies once, dry-runs
 * against the committed state (so refusals carry the rule's code), counts
 * refusals by source and code, and gossips what it admitted from the API or
 * from consensus.
 */
export class TxIngress {
  private readonly c: TxIngressComponents;
  private timer: NodeJS.Timeout | null = null;

  constructor(components: TxIngressComponents) {
    this.c = components;
  }

  /** A client's transaction (API). Refused with `overloaded` while gossip checks pile up. */
  submit(bytes: Uint8Array): AddResult {
    const down = this.c.unavailable();
    if (down !== null) {
      this.c.metrics.txsRejected.inc({ source: 'api', code: 'unavailable' });
      return { ok: false, code: 'unavailable', reason: down };
    }
    // Backpressure: when gossiped transactions queue up unchecked, the network is saturated;
    // refusing here (503) beats accepting what no proposer will see in time.
    if (this.c.checks.length > MAX_UNCHECKED_GOSSIP) {
      this.c.metrics.txsRejected.inc({ source: 'api', code: 'overloaded' });
      return { ok: false, code: 'overloaded', reason: 'the LEAG is saturated; retry shortly' };
    }
    const r = this.admit(bytes, 'api');
    if (!r.ok) this.countRefusedOrder(bytes, r.code);
    return r;
  }

  /** A transaction acknowledged before a restart, from the journal: admitted again, or refused with why. */
  readmit(bytes: Uint8Array): AddResult {
    return this.admit(bytes, 'api');
  }

  /** An equivocation caught by this LEAG's consensus. */
  evidence(tx: Tx): AddResult {
    return this.admit(encodeTx(tx), 'evidence');
  }

  /**
   * A transaction from a gossip batch: only what is wrong whatever the state
   * is the sender's fault (reject); a refusal that depends on this LEAG's
   * view is ignored, not punished.
   */
  gossip(bytes: Uint8Array): Promise<GossipVerdict> {
    return this.c.checks.run(() => {
      const r = this.admit(bytes, 'gossip');
      if (r.ok) return ACCEPT;
      return isStatelessTxCode(r.code) ? reject(r.code) : ignore(r.code);
    });
  }

  start(): void {
    this.timer ??= setInterval(() => this.regossip(), REGOSSIP_AFTER_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private admit(bytes: Uint8Array, source: TxSource): AddResult {
    const r = this.c.mempool.addBytes(bytes, this.c.state(), Date.now());
    if (!r.ok) this.c.metrics.txsRejected.inc({ source, code: r.code });
    else if (source !== 'gossip') this.c.publish(bytes);
    this.c.metrics.mempoolSize.set(this.c.mempool.size);
    return r;
  }

  /**
   * A client's sell or buy order refused by a rule (`untrusted`,
   * `price-out-of-bounds`, …), by kind and code: counted here, once per
   * submission, and not for gossip, where a refusal reflects this LEAG's view
   * of a transaction another LEAG admitted. The mempool decoded the bytes
   * already, so this finds them in the shared decode cache.
   */
  private countRefusedOrder(bytes: Uint8Array, code: string): void {
    if (CAPACITY_CODES.has(code) || code === 'malformed') return;
    let kind: string;
    try {
      kind = decodeTxShared(bytes).body.kind;
    } catch {
      return;
    }
    if (kind === 'sell-order' || kind === 'buy-order')
      this.c.metrics.market.ordersRefused.inc({ kind, code });
  }

  /**
   * Pending transactions that stayed pending go out again in a new batch (new
   * bytes, so gossipsub's duplicate filter lets them through): with a fixed
   * leader, a transaction the leader dropped while saturated would otherwise
   * wait forever in another LEAG's mempool.
   */
  private regossip(): void {
    const before = Date.now() - REGOSSIP_AFTER_MS;
    for (const p of this.c.mempool.take(REGOSSIP_MAX)) {
      if (p.receivedAt > before) break;
      this.c.publish(txBytes(p.tx));
    }
  }
}
