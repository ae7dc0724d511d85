import { fromHex, verifyVote } from '@v2g/core';
import type { ScannedChain, SeenVote } from './chainScan.ts';
import type { RecoveryTracker, Stall } from './recovery.ts';

export interface Check {
  readonly name: string;
  /** null: not applicable in this run (said why in `detail`). */
  readonly passed: boolean | null;
  readonly detail: string;
}

/** Hashes each LEAG announced for a height during the run (block events and head polls). */
export type Observed = Map<number, Map<string, Set<number>>>;

/** One chain: every height has one hash, on every LEAG's final chain and in everything announced during the run. */
export function checkOneChain(
  chains: readonly ScannedChain[],
  observed: Observed,
): Check & { forks: number[] } {
  const forks = new Set<number>();
  const top = Math.max(0, ...chains.map((c) => c.head));
  for (let h = 1; h <= top; h++) {
    const hashes = new Set(chains.map((c) => c.hashes[h]).filter((x): x is string => !!x));
    for (const hash of observed.get(h)?.keys() ?? []) hashes.add(hash);
    if (hashes.size > 1) forks.add(h);
  }
  for (const [h, byHash] of observed) if (h > top && byHash.size > 1) forks.add(h);
  const list = [...forks].sort((a, b) => a - b);
  return {
    name: 'one chain',
    passed: list.length === 0,
    detail:
      list.length === 0
        ? `the same hash at each of ${top} heights on ${chains.length} LEAGs`
        : `different hashes at ${list.length} heights: ${list.slice(0, 10).join(', ')}`,
    forks: list,
  };
}

/** Every height announced as committed during the run is still held by some LEAG at the end. */
export function checkBlocksKept(
  chains: readonly ScannedChain[],
  observed: Observed,
): Check & { lost: number[] } {
  const top = Math.max(0, ...chains.map((c) => c.head));
  const lost = [...observed.keys()].filter((h) => h > top).sort((a, b) => a - b);
  return {
    name: 'committed blocks kept',
    passed: lost.length === 0,
    detail:
      lost.length === 0
        ? `every announced height up to ${top} is held`
        : `heights ${lost[0]}–${lost.at(-1)} were announced committed and no LEAG holds them (head ${top})`,
    lost,
  };
}

/** Every LEAG ends within `slack` heights of the highest, and serves every block up to its head. */
export function checkCaughtUp(chains: readonly ScannedChain[], leags: number, slack = 2): Check {
  const top = Math.max(0, ...chains.map((c) => c.head));
  const behind = Array.from({ length: leags }, (_, i) => chains.find((c) => c.leag === i)).flatMap((c, i) => {
    if (!c) return [`leag-${i} does not answer`];
    if (c.missing.length > 0)
      return [`leag-${i} cannot serve ${c.missing.length} blocks (first ${c.missing[0]})`];
    return c.head >= top - slack ? [] : [`leag-${i} at ${c.head}`];
  });
  return {
    name: 'every LEAG caught up',
    passed: behind.length === 0,
    detail:
      behind.length === 0 ? `all at height ${top} (±${slack})` : `head ${top}; behind: ${behind.join(', ')}`,
  };
}

/** Every transaction seen committed during the run is in the final chain (the highest LEAG's). */
export function checkCommittedKept(
  committed: Map<string, number>,
  chains: readonly ScannedChain[],
): Check & { lost: string[] } {
  const best = chains.reduce<ScannedChain | null>((a, c) => (a && a.head >= c.head ? a : c), null);
  // A transaction whose block is gone from every LEAG (a height past the final head) is lost too.
  const lost = best ? [...committed.keys()].filter((id) => !best.txHeights.has(id)) : [];
  return {
    name: 'committed txs kept',
    passed: best !== null && lost.length === 0,
    detail: best ? `${committed.size - lost.length} of ${committed.size} still on chain` : 'no LEAG answered',
    lost,
  };
}

export interface AckOutcomes {
  readonly acked: number;
  readonly committed: number;
  /** The node's transaction-status API says so: the client knows to resubmit. */
  readonly dropped: number;
  readonly pending: number;
  readonly unaccounted: number;
  readonly unaccountedByKind: Record<string, number>;
  /** Unaccounted transactions by what probably lost them: the first SIGKILL of the LEAG that took them, within 10 s. */
  readonly unaccountedByCause: Record<string, number>;
  /** Dropped transactions by the node's code. */
  readonly droppedByCode?: Record<string, number>;
  /** The first pending and unaccounted transactions, to look up in the logs. */
  readonly examples?: readonly {
    id: string;
    kind: string;
    leag: number;
    ackedAtSeconds: number;
    status: string;
  }[];
}

export function checkAcked(o: AckOutcomes): Check {
  const bad = o.pending + o.unaccounted;
  return {
    name: 'acknowledged txs accounted for',
    passed: bad === 0,
    detail:
      `${o.committed} committed, ${o.dropped} reported dropped, ${o.pending} still pending, ` +
      `${o.unaccounted} unaccounted ${JSON.stringify(o.unaccountedByKind)} of ${o.acked} acknowledged`,
  };
}

export function checkRecovery(stalls: readonly Stall[], boundMs: number): Check {
  const afterHeal = stalls.filter((s) => s.afterHealMs !== null);
  const slow = afterHeal.filter((s) => s.afterHealMs! > boundMs);
  const worst = afterHeal.reduce<Stall | null>(
    (a, s) => (a && a.afterHealMs! >= s.afterHealMs! ? a : s),
    null,
  );
  // Ended by the next fault (or the end) before any block, inside the bound: neither in time nor slow.
  const cut = afterHeal.filter((s) => s.endedBy !== 'block' && s.afterHealMs! <= boundMs);
  const longestCut = Math.max(0, ...cut.map((s) => s.afterHealMs!));
  return {
    name: `a block within ${boundMs / 1000} s of every heal`,
    passed: slow.length === 0,
    detail:
      `${afterHeal.length - slow.length - cut.length} of ${afterHeal.length} recoveries in time` +
      (cut.length > 0
        ? `, ${cut.length} cut short by the next fault before a block (after up to ${(longestCut / 1000).toFixed(1)} s)`
        : '') +
      (worst
        ? `; slowest ${(worst.afterHealMs! / 1000).toFixed(1)} s (${worst.endedBy}) after ${describe(worst)}`
        : ''),
  };
}

/** No stretch without a new height longer than the bound while a quorum was up all along. */
export function checkQuorumStall(gap: RecoveryTracker['longestQuorumGap'], boundMs: number): Check {
  return {
    name: `no stall over ${boundMs / 1000} s with quorum up`,
    passed: gap === null || gap.ms <= boundMs,
    detail: gap
      ? `longest ${(gap.ms / 1000).toFixed(1)} s from height ${gap.fromHeight} at ${(gap.fromMs / 1000).toFixed(1)} s, ` +
        `last actions: ${gap.recent.map((c) => c.what).join(', ') || 'none'}`
      : 'a quorum was never up',
  };
}

/** `after <fault>: <first action> (+n more)`: what the chain was recovering from, and from when. */
export function describe(s: Stall): string {
  const first = s.causes[0]!;
  const more = s.causes.length > 1 ? ` (+${s.causes.length - 1} more actions)` : '';
  return `${s.after ? `${s.after.what}; ` : ''}${first.what}${more}`;
}

export interface DoubleSign {
  readonly voter: string;
  readonly type: string;
  readonly height: number;
  readonly round: number;
  readonly blockHashes: readonly (string | null)[];
  readonly where: readonly string[];
}

/**
 * No LEAG signed two different votes for one height, round and step. Only
 * votes whose signature verifies count; one that does not is reported, as
 * no valid block should carry it.
 */
export function findDoubleSigns(
  votes: readonly SeenVote[],
  chainId: string,
): { doubleSigns: DoubleSign[]; badSignatures: SeenVote[] } {
  const seen = new Map<string, Map<string, SeenVote>>();
  const badSignatures: SeenVote[] = [];
  const verified = new Set<string>();
  for (const v of votes) {
    const sigKey = `${v.voter}/${v.type}/${v.height}/${v.round}/${v.blockHash}/${v.signature}`;
    if (!verified.has(sigKey)) {
      const ok = verifyVote(chainId, {
        type: v.type,
        height: v.height,
        round: v.round,
        blockHash: v.blockHash === null ? null : fromHex(v.blockHash),
        voter: fromHex(v.voter),
        signature: fromHex(v.signature),
      });
      if (!ok) {
        badSignatures.push(v);
        continue;
      }
      verified.add(sigKey);
    }
    const slot = `${v.voter}/${v.type}/${v.height}/${v.round}`;
    const byHash = seen.get(slot) ?? new Map<string, SeenVote>();
    if (!byHash.has(String(v.blockHash))) byHash.set(String(v.blockHash), v);
    seen.set(slot, byHash);
  }
  const doubleSigns: DoubleSign[] = [];
  for (const byHash of seen.values()) {
    if (byHash.size < 2) continue;
    const first = [...byHash.values()][0]!;
    doubleSigns.push({
      voter: first.voter,
      type: first.type,
      height: first.height,
      round: first.round,
      blockHashes: [...byHash.values()].map((v) => v.blockHash),
      where: [...byHash.values()].map((v) => v.where),
    });
  }
  return { doubleSigns, badSignatures };
}

export function checkNoDoubleSign(
  found: { doubleSigns: readonly DoubleSign[]; badSignatures: readonly SeenVote[] },
  byzantine: ReadonlySet<string>,
  name: (key: string) => string,
): Check {
  const honest = found.doubleSigns.filter((d) => !byzantine.has(d.voter));
  const parts = honest.map((d) => `${name(d.voter)} ${d.type} h${d.height} r${d.round}`);
  const bad = found.badSignatures.length;
  return {
    name: 'no double votes',
    passed: honest.length === 0 && bad === 0,
    detail:
      honest.length === 0 && bad === 0
        ? 'no honest LEAG signed two votes for one height, round and step'
        : `${parts.slice(0, 5).join('; ')}${bad > 0 ? `; ${bad} signatures that do not verify` : ''}`,
  };
}

/** What the auditor saw of one LEAG known to equivocate: its reputation over the run. */
export interface ReputationSeen {
  /** The lowest reputationPpm any LEAG reported for it; null when none answered. */
  readonly minPpm: number | null;
  /** Run time (ms) it was first seen below R_min. */
  readonly belowAtMs: number | null;
}

/**
 * Every equivocator (found double-signing, or started Byzantine with an
 * equivocating behaviour) has evidence against it on chain, and was seen
 * with its reputation cut below R_min.
 */
export function checkEvidence(
  equivocators: ReadonlySet<string>,
  evidenceAgainst: ReadonlySet<string>,
  reputation: ReadonlyMap<string, ReputationSeen>,
  rMinPpm: number,
  name: (key: string) => string,
): Check {
  const problems: string[] = [];
  const caught: string[] = [];
  for (const key of equivocators) {
    const r = reputation.get(key);
    const cut = r?.minPpm !== null && r?.minPpm !== undefined && r.minPpm < rMinPpm;
    if (!evidenceAgainst.has(key)) problems.push(`no evidence against ${name(key)}`);
    if (!cut)
      problems.push(
        `${name(key)} never seen below R_min ${rMinPpm} ppm (lowest ${r?.minPpm ?? 'never read'})`,
      );
    if (evidenceAgainst.has(key) && cut)
      caught.push(
        `${name(key)} (evidence on chain, reputation ${r!.minPpm} ppm` +
          `${r!.belowAtMs !== null ? ` from ${(r!.belowAtMs / 1000).toFixed(1)} s` : ''})`,
      );
  }
  return {
    name: 'evidence for every equivocation',
    passed: problems.length === 0,
    detail:
      equivocators.size === 0
        ? 'no equivocation in this run'
        : problems.length === 0
          ? `caught: ${caught.join(', ')}`
          : problems.join('; '),
  };
}

/**
 * No LEAG holds a block its certificate does not sign. A forging sync
 * server (a Byzantine LEAG) serves blocks whose header no longer matches
 * their certificate; a LEAG that accepted one would hold it.
 */
export function checkCertified(chains: readonly ScannedChain[], forged: readonly string[]): Check {
  const bad = chains.filter((c) => c.uncertified.length > 0);
  const served = forged.length > 0 ? `; ${forged.join(', ')}` : '';
  return {
    name: 'no forged block accepted',
    passed: bad.length === 0,
    detail:
      bad.length === 0
        ? `every block on every LEAG is the one its certificate signs${served}`
        : bad.map((c) => `leag-${c.leag} at ${c.uncertified.slice(0, 5).join(', ')}`).join('; ') + served,
  };
}
