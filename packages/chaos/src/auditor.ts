import type { BlockEvent } from '../../node/src/api/server.ts';
import { followBlocks } from '../../node/src/testnet/blockStream.ts';
import { api, get, type Head } from './api.ts';
import { type ScannedChain, scanChain } from './chainScan.ts';
import {
  type AckOutcomes,
  type Check,
  checkAcked,
  checkBlocksKept,
  checkCaughtUp,
  checkCommittedKept,
  checkEvidence,
  checkNoDoubleSign,
  checkOneChain,
  checkQuorumStall,
  checkRecovery,
  findDoubleSigns,
  type Observed,
} from './checks.ts';
import type { TxKind } from './load.ts';
import { RecoveryTracker } from './recovery.ts';

export interface AuditorOptions {
  readonly leags: number;
  readonly chainId: string;
  /** LEAG public keys (hex) in index order, for names in the report. */
  readonly leagKeys: readonly string[];
  readonly byzantine: ReadonlySet<string>;
  readonly byzantineSkipped: boolean;
  readonly recoveryBoundMs: number;
  apiUrl(leag: number): string;
  now(): number;
  /** Every transaction id the first time any LEAG reports it committed. */
  onCommitted(id: string): void;
}

export interface Kill {
  readonly atMs: number;
  readonly leags: readonly number[];
  readonly what: string;
}

export interface AuditResult {
  readonly checks: Check[];
  readonly chains: { leag: number; head: number; missing: number }[];
  readonly acks: AckOutcomes;
  readonly forks: number[];
  readonly lostHeights: number[];
  readonly lostCommitted: string[];
  readonly doubleSigns: number;
}

/**
 * Watches every LEAG for the whole run (block events over SSE, heads polled
 * each second), records every acknowledged transaction, and at the end
 * reads every LEAG's whole chain to check what the run must not break.
 */
export class Auditor {
  readonly observed: Observed = new Map();
  readonly committed = new Map<string, number>();
  readonly acks = new Map<string, { kind: TxKind; leag: number; atMs: number }>();
  readonly recovery = new RecoveryTracker();
  private readonly o: AuditorOptions;
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];

  constructor(o: AuditorOptions) {
    this.o = o;
  }

  get maxHeight(): number {
    let top = 0;
    for (const h of this.observed.keys()) top = Math.max(top, h);
    return top;
  }

  start(): void {
    for (let i = 0; i < this.o.leags; i++) {
      this.loops.push(this.follow(i), this.poll(i));
    }
  }

  onAck(id: string, kind: TxKind, leag: number): void {
    this.acks.set(id, { kind, leag, atMs: this.o.now() });
  }

  /**
   * Stops watching; every LEAG should be up again and given time to catch up
   * before this. `kills` (SIGKILLs with the LEAGs they hit) attribute lost
   * transactions.
   */
  async finish(kills: readonly Kill[] = []): Promise<AuditResult> {
    this.recovery.end(this.o.now());
    this.abort.abort();
    await Promise.all(this.loops);
    const scanned = await Promise.all(
      Array.from({ length: this.o.leags }, (_, i) => scanChain(i, this.o.apiUrl(i))),
    );
    const chains = scanned.filter((c): c is ScannedChain => c !== null);
    const name = (key: string) => {
      const i = this.o.leagKeys.indexOf(key);
      return i < 0 ? key.slice(0, 12) : `leag-${i}`;
    };
    const oneChain = checkOneChain(chains, this.observed);
    const blocksKept = checkBlocksKept(chains, this.observed);
    const kept = checkCommittedKept(this.committed, chains);
    const acks = await this.ackOutcomes(chains, kills);
    const votes = chains.flatMap((c) => c.votes);
    const found = findDoubleSigns(votes, this.o.chainId);
    const equivocators = new Set([...found.doubleSigns.map((d) => d.voter), ...this.o.byzantine]);
    const evidenceAgainst = new Set(chains.flatMap((c) => [...c.evidenceAgainst]));
    return {
      checks: [
        oneChain,
        blocksKept,
        checkCaughtUp(chains, this.o.leags),
        kept,
        checkAcked(acks),
        checkRecovery(this.recovery.stalls, this.o.recoveryBoundMs),
        checkQuorumStall(this.recovery.longestQuorumGap, this.o.recoveryBoundMs),
        checkNoDoubleSign(found, this.o.byzantine, name),
        checkEvidence(equivocators, evidenceAgainst, name, this.o.byzantineSkipped),
      ].map(({ name, passed, detail }) => ({ name, passed, detail })),
      chains: chains.map((c) => ({ leag: c.leag, head: c.head, missing: c.missing.length })),
      acks,
      forks: oneChain.forks,
      lostHeights: blocksKept.lost,
      lostCommitted: kept.lost,
      doubleSigns: found.doubleSigns.length,
    };
  }

  private observe(leag: number, height: number, hash: string): void {
    const byHash = this.observed.get(height) ?? new Map<string, Set<number>>();
    const leags = byHash.get(hash) ?? new Set<number>();
    leags.add(leag);
    byHash.set(hash, leags);
    this.observed.set(height, byHash);
    this.recovery.block(height, this.o.now());
  }

  private onBlock(leag: number, e: BlockEvent): void {
    this.observe(leag, e.height, e.hash);
    for (const id of e.txIds) {
      if (this.committed.has(id)) continue;
      this.committed.set(id, e.height);
      this.o.onCommitted(id);
    }
  }

  private async follow(leag: number): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await followBlocks(this.o.apiUrl(leag), (e) => this.onBlock(leag, e), signal).catch(() => undefined);
      await sleep(500, signal);
    }
  }

  private async poll(leag: number): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const head = await get<Head>(this.o.apiUrl(leag), '/v1/head');
      if (head && head.height > 0) this.observe(leag, head.height, head.hash);
      await sleep(1000, signal);
    }
  }

  /** Acknowledged transactions not on the final chain are looked up on the highest LEAG and on the one that took them. */
  private async ackOutcomes(chains: readonly ScannedChain[], kills: readonly Kill[]): Promise<AckOutcomes> {
    const best = chains.reduce<ScannedChain | null>((a, c) => (a && a.head >= c.head ? a : c), null);
    const out = { acked: this.acks.size, committed: 0, dropped: 0, pending: 0, unaccounted: 0 };
    const unaccountedByKind: Record<string, number> = {};
    const unaccountedByCause: Record<string, number> = {};
    for (const [id, ack] of this.acks) {
      if (best?.txHeights.has(id)) {
        out.committed++;
        continue;
      }
      const asked = [...new Set([best?.leag ?? ack.leag, ack.leag])];
      const statuses = await Promise.all(
        asked.map(async (i) => {
          const r = await api<{ status: string }>(this.o.apiUrl(i), 'GET', `/v1/txs/${id}`);
          return r.ok ? r.body.status : r.code;
        }),
      );
      if (statuses.includes('committed')) out.committed++;
      else if (statuses.includes('dropped')) out.dropped++;
      else if (statuses.includes('pending')) out.pending++;
      else {
        out.unaccounted++;
        unaccountedByKind[ack.kind] = (unaccountedByKind[ack.kind] ?? 0) + 1;
        const cause = this.committed.has(id)
          ? 'in a block no LEAG holds any more'
          : (kills.find(
              (k) => k.leags.includes(ack.leag) && k.atMs >= ack.atMs && k.atMs - ack.atMs <= 10_000,
            )?.what ?? 'no SIGKILL of its LEAG within 10 s');
        unaccountedByCause[cause] = (unaccountedByCause[cause] ?? 0) + 1;
      }
    }
    return { ...out, unaccountedByKind, unaccountedByCause };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
