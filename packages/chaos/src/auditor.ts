import type { BlockEvent } from '@v2g/node';
import { followBlocks } from '@v2g/testnet';
import { api, get, type Head } from './api.ts';
import { type ScannedChain, scanChain } from './chainScan.ts';
import {
  type AckOutcomes,
  type Check,
  checkAcked,
  checkBlocksKept,
  checkCaughtUp,
  checkCertified,
  checkCommittedKept,
  checkEvidence,
  checkNoDoubleSign,
  checkOneChain,
  checkQuorumStall,
  checkRecovery,
  findDoubleSigns,
  type Observed,
  type ReputationSeen,
} from './checks.ts';
import type { ByzantineMode } from './fleet.ts';
import type { TxKind } from './load.ts';
import { RecoveryTracker } from './recovery.ts';

export interface AuditorOptions {
  readonly leags: number;
  readonly chainId: string;
  /** LEAG public keys (hex) in index order, for names in the report. */
  readonly leagKeys: readonly string[];
  /** LEAGs started with a test-only Byzantine behaviour, with their public keys (hex). */
  readonly byzantine: readonly { leag: number; key: string; mode: ByzantineMode }[];
  /** R_min from the genesis: an equivocator must be cut below it. */
  readonly rMinPpm: number;
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

export interface ByzantineOutcome {
  readonly leag: number;
  readonly mode: ByzantineMode;
  /** Evidence against it on the final chain. */
  readonly evidence: boolean;
  readonly minReputationPpm: number | null;
  readonly belowRMinAtSeconds: number | null;
  /** forge-sync: blocks its sync server served (forged), over all its restarts. */
  readonly forgedBlocksServed: number | null;
}

export interface AuditResult {
  readonly checks: Check[];
  readonly byzantine: ByzantineOutcome[];
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
  /** Reputation seen for each LEAG known to equivocate (by key). */
  readonly reputation = new Map<string, { minPpm: number | null; belowAtMs: number | null }>();
  /** forge-sync LEAGs: blocks served, summed over restarts (the counter starts again at 0). */
  private readonly forged = new Map<number, { total: number; last: number }>();
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
    if (this.o.byzantine.length > 0) this.loops.push(this.watchByzantine());
  }

  /** Configured equivocators: those whose behaviour signs two messages for one slot. */
  private get configuredEquivocators(): string[] {
    return this.o.byzantine.filter((b) => b.mode.startsWith('equivocate-')).map((b) => b.key);
  }

  onAck(id: string, kind: TxKind, leag: number): void {
    this.acks.set(id, { kind, leag, atMs: this.o.now() });
  }

  /**
   * Stops watching; every LEAG should be up again and given time to catch up
   * before this. `kills` (SIGKILLs with the LEAGs they hit) attribute lost
   * transactions.
   */
  /** Ends the watch loops without an audit (an interrupted run). */
  stop(): void {
    this.abort.abort();
  }

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
    const configured = new Set(this.configuredEquivocators);
    const equivocators = new Set([...found.doubleSigns.map((d) => d.voter), ...configured]);
    const evidenceAgainst = new Set(chains.flatMap((c) => [...c.evidenceAgainst]));
    // A last look at every equivocator's reputation, after the drain.
    for (const key of equivocators) await this.readReputation(key);
    for (const b of this.o.byzantine) if (b.mode === 'forge-sync') await this.readForged(b.leag);
    const byzantine = this.o.byzantine.map((b): ByzantineOutcome => {
      const r = this.reputation.get(b.key);
      return {
        leag: b.leag,
        mode: b.mode,
        evidence: evidenceAgainst.has(b.key),
        minReputationPpm: r?.minPpm ?? null,
        belowRMinAtSeconds: r?.belowAtMs == null ? null : Math.round(r.belowAtMs / 100) / 10,
        forgedBlocksServed: b.mode === 'forge-sync' ? (this.forged.get(b.leag)?.total ?? 0) : null,
      };
    });
    const forgedLines = byzantine.flatMap((b) =>
      b.forgedBlocksServed === null ? [] : [`leag-${b.leag} served ${b.forgedBlocksServed} forged blocks`],
    );
    return {
      checks: [
        oneChain,
        blocksKept,
        checkCaughtUp(chains, this.o.leags),
        kept,
        checkAcked(acks),
        checkRecovery(this.recovery.stalls, this.o.recoveryBoundMs),
        checkQuorumStall(this.recovery.longestQuorumGap, this.o.recoveryBoundMs),
        checkNoDoubleSign(found, configured, name),
        checkEvidence(
          equivocators,
          evidenceAgainst,
          this.reputation as ReadonlyMap<string, ReputationSeen>,
          this.o.rMinPpm,
          name,
        ),
        checkCertified(chains, forgedLines),
      ].map(({ name, passed, detail }) => ({ name, passed, detail })),
      byzantine,
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

  /** Every 2 s: the reputation of every configured equivocator, and what each forging sync server served. */
  private async watchByzantine(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      for (const key of this.configuredEquivocators) await this.readReputation(key);
      for (const b of this.o.byzantine) if (b.mode === 'forge-sync') await this.readForged(b.leag);
      await sleep(2000, signal);
    }
  }

  /** `GET /v1/accounts/<key>` on the first honest LEAG that answers (any LEAG when none does). */
  private async readReputation(key: string): Promise<void> {
    const byzantine = new Set(this.o.byzantine.map((b) => b.leag));
    const order = Array.from({ length: this.o.leags }, (_, i) => i).sort(
      (a, b) => Number(byzantine.has(a)) - Number(byzantine.has(b)),
    );
    for (const i of order) {
      const r = await get<{ role: string; account: { reputationPpm: number } }>(
        this.o.apiUrl(i),
        `/v1/accounts/${key}`,
      );
      if (r?.role !== 'leag') continue;
      const ppm = r.account.reputationPpm;
      const seen = this.reputation.get(key) ?? { minPpm: null, belowAtMs: null };
      if (seen.minPpm === null || ppm < seen.minPpm) seen.minPpm = ppm;
      if (ppm < this.o.rMinPpm && seen.belowAtMs === null) seen.belowAtMs = this.o.now();
      this.reputation.set(key, seen);
      return;
    }
  }

  /** The forging LEAG's `v2g_sync_blocks_served_total`, summed over its restarts. */
  private async readForged(leag: number): Promise<void> {
    let text: string;
    try {
      const res = await fetch(`${this.o.apiUrl(leag)}/metrics`, { signal: AbortSignal.timeout(3000) });
      text = await res.text();
    } catch {
      return;
    }
    const m = /^v2g_sync_blocks_served_total(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(text);
    if (!m) return;
    const value = Number(m[1]);
    const f = this.forged.get(leag) ?? { total: 0, last: 0 };
    f.total += value >= f.last ? value - f.last : value;
    f.last = value;
    this.forged.set(leag, f);
  }

  /** Acknowledged transactions not on the final chain are looked up on the highest LEAG and on the one that took them. */
  private async ackOutcomes(chains: readonly ScannedChain[], kills: readonly Kill[]): Promise<AckOutcomes> {
    const best = chains.reduce<ScannedChain | null>((a, c) => (a && a.head >= c.head ? a : c), null);
    const out = { acked: this.acks.size, committed: 0, dropped: 0, pending: 0, unaccounted: 0 };
    const unaccountedByKind: Record<string, number> = {};
    const unaccountedByCause: Record<string, number> = {};
    const droppedByCode: Record<string, number> = {};
    const examples: NonNullable<AckOutcomes['examples']>[number][] = [];
    const example = (id: string, status: string) => {
      const ack = this.acks.get(id)!;
      if (examples.length < 20)
        examples.push({
          id,
          kind: ack.kind,
          leag: ack.leag,
          ackedAtSeconds: Math.round(ack.atMs / 100) / 10,
          status,
        });
    };
    for (const [id, ack] of this.acks) {
      if (best?.txHeights.has(id)) {
        out.committed++;
        continue;
      }
      const asked = [...new Set([best?.leag ?? ack.leag, ack.leag])];
      const answers = await Promise.all(
        asked.map(async (i) => {
          const r = await api<{ status: string; code?: string }>(this.o.apiUrl(i), 'GET', `/v1/txs/${id}`);
          return r.ok ? r.body : { status: r.code };
        }),
      );
      const statuses = answers.map((a) => a.status);
      if (statuses.includes('committed')) out.committed++;
      else if (statuses.includes('dropped')) {
        // The client is told to resubmit: accounted for.
        out.dropped++;
        const code = answers.find((a) => a.status === 'dropped')?.code ?? 'dropped';
        droppedByCode[code] = (droppedByCode[code] ?? 0) + 1;
      } else if (statuses.includes('pending')) {
        out.pending++;
        example(id, 'pending');
      } else {
        example(id, statuses.join('/'));
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
    return { ...out, unaccountedByKind, unaccountedByCause, droppedByCode, examples };
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
