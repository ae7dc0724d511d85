import type { Auditor, AuditResult } from './auditor.ts';
import { type Check, describe } from './checks.ts';
import type { Crash } from './fleet.ts';
import type { Hosts } from './hosts.ts';
import type { Load, LoadStats } from './load.ts';
import type { Stall } from './recovery.ts';
import type { ChaosOptions } from './run.ts';
import type { FaultRecord, FaultRunner } from './runner.ts';
import type { Schedule } from './schedule.ts';

export interface StallJson {
  readonly seconds: number;
  readonly afterHealSeconds: number | null;
  readonly atSeconds: number;
  readonly fromHeight: number;
  readonly endedBy: Stall['endedBy'];
  readonly preceded: string;
}

export interface ChaosReport {
  readonly passed: boolean;
  readonly seed: number;
  readonly quick: boolean;
  readonly leags: number;
  readonly hosts: { mode: Hosts['mode']; fallbackReason: string | null };
  readonly durationSeconds: number;
  readonly dir: string;
  readonly faults: Record<string, { applied: number; skipped: number }>;
  readonly skipped: string[];
  readonly crashes: readonly Crash[];
  readonly blocks: { height: number; lostHeights: number[]; forks: number[]; chains: AuditResult['chains'] };
  readonly txs: AuditResult['acks'] & { load: LoadStats; committedSeen: number };
  readonly checks: readonly Check[];
  /** Daemon starts: from the spawn to the API answering (a quorum counts only started daemons). */
  readonly boots: {
    readonly count: number;
    readonly medianSeconds: number | null;
    readonly slowest: { leag: number; atSeconds: number; seconds: number } | null;
    /** Starts whose API never answered before the daemon was stopped again. */
    readonly neverAnswered: number;
  };
  /** LEAGs run Byzantine on purpose, and what became of them. */
  readonly byzantine: AuditResult['byzantine'];
  /** The slowest recovery after a heal or restart, and after any action. */
  readonly longestStallAfterHeal: StallJson | null;
  readonly longestStall: StallJson | null;
  /** The longest time between two new heights over the whole run, whatever the faults. */
  readonly longestGap: { seconds: number; atSeconds: number; fromHeight: number; preceded: string } | null;
  /** The longest time without a new height while a quorum was up all along. */
  readonly longestStallWithQuorum: {
    seconds: number;
    atSeconds: number;
    fromHeight: number;
    lastActions: string;
  } | null;
  /** Every recovery that took longer than the bound. */
  readonly slowRecoveries: StallJson[];
  readonly events: readonly FaultRecord[];
}

export interface ReportInput {
  readonly options: ChaosOptions;
  readonly hosts: Hosts;
  readonly dir: string;
  readonly schedule: Schedule;
  readonly runner: FaultRunner;
  readonly auditor: Auditor;
  readonly audit: AuditResult;
  readonly load: Load;
  readonly crashes: readonly Crash[];
  readonly durationMs: number;
  /** The highest height seen when the last fault was over (before every LEAG was started and the network healed). */
  readonly heightAfterFaults: number;
  readonly faketime: boolean;
}

export function buildReport(r: ReportInput): ChaosReport {
  const faults: Record<string, { applied: number; skipped: number }> = {};
  for (const e of r.schedule.episodes) {
    const records = r.runner.records.filter((x) => x.episode === e.id);
    if (records.length === 0) continue;
    const entry = faults[e.kind] ?? { applied: 0, skipped: 0 };
    if (records.every((x) => x.skipped)) entry.skipped++;
    else entry.applied++;
    faults[e.kind] = entry;
  }
  const skipped: string[] = [];
  if (r.options.without.length > 0) skipped.push(`left out with --without: ${r.options.without.join(', ')}`);
  if (!r.faketime) skipped.push('clock skew: libfaketime is not installed (apt-get install faketime)');
  if (r.hosts.mode === 'loopback') skipped.push(`partitions, loss and latency: ${r.hosts.fallbackReason}`);
  const boots = bootSummary(r.runner.boots);
  // A LEAG counts towards a quorum only once it answers: on a loaded machine faults hit LEAGs still
  // loading, fewer recoveries are measured, and a pass says less.
  if ((boots.medianSeconds ?? 0) > 5 || boots.neverAnswered > 0) {
    skipped.push(
      `partly: daemons took a median ${boots.medianSeconds} s to answer after a start and ${boots.neverAnswered} ` +
        'never did before the next fault; the machine is loaded, so faults hit LEAGs still starting',
    );
  }
  const stalls = r.auditor.recovery.stalls;
  const bound = r.options.recoveryBoundMs;
  const afterHeal = stalls.filter((s) => s.afterHealMs !== null);
  const gap = r.auditor.recovery.longestGap;
  const qgap = r.auditor.recovery.longestQuorumGap;
  const checks = [
    progressCheck(r.heightAfterFaults, r.auditor.maxHeight),
    ...r.audit.checks,
    crashCheck(r.crashes),
  ];
  return {
    passed: checks.every((c) => c.passed !== false),
    seed: r.options.seed,
    quick: r.options.quick,
    leags: r.options.leags,
    hosts: { mode: r.hosts.mode, fallbackReason: r.hosts.fallbackReason },
    durationSeconds: round(r.durationMs / 1000),
    dir: r.dir,
    faults,
    skipped,
    crashes: r.crashes,
    blocks: {
      height: r.auditor.maxHeight,
      lostHeights: r.audit.lostHeights,
      forks: r.audit.forks,
      chains: r.audit.chains,
    },
    txs: { ...r.audit.acks, load: r.load.stats, committedSeen: r.auditor.committed.size },
    checks,
    boots,
    byzantine: r.audit.byzantine,
    longestStallAfterHeal: stallJson(maxBy(afterHeal, (s) => s.afterHealMs!)),
    longestStall: stallJson(maxBy(stalls, (s) => s.ms)),
    longestGap: gap
      ? {
          seconds: round(gap.ms / 1000),
          atSeconds: round(gap.fromMs / 1000),
          fromHeight: gap.fromHeight,
          preceded: summarize(gap.causes.map((c) => c.what)),
        }
      : null,
    longestStallWithQuorum: qgap
      ? {
          seconds: round(qgap.ms / 1000),
          atSeconds: round(qgap.fromMs / 1000),
          fromHeight: qgap.fromHeight,
          lastActions: summarize(qgap.recent.map((c) => c.what)),
        }
      : null,
    slowRecoveries: afterHeal.filter((s) => s.afterHealMs! > bound).map((s) => stallJson(s)!),
    events: r.runner.records,
  };
}

/**
 * The chain commits blocks, and still does once the faults are over: without
 * it every other check could pass on a chain that never moved.
 */
export function progressCheck(heightAfterFaults: number, finalHeight: number): Check {
  return {
    name: 'the chain makes progress',
    passed: finalHeight > heightAfterFaults && finalHeight > 0,
    detail: `height ${heightAfterFaults} when the faults were over, ${finalHeight} after the drain`,
  };
}

function crashCheck(crashes: readonly Crash[]): Check {
  return {
    name: 'no daemon exited on its own',
    passed: crashes.length === 0,
    detail:
      crashes.length === 0
        ? 'every exit was a signal from the harness'
        : crashes
            .map((c) => `leag-${c.leag} at ${round(c.atMs / 1000)} s (code ${c.code}, ${c.signal})`)
            .join('; '),
  };
}

export function formatReport(r: ChaosReport): string {
  const lines: string[] = [];
  const row = (a: string, b: string) => lines.push(`  ${a.padEnd(34)} ${b}`);
  lines.push(
    '',
    `chaos ${r.quick ? '--quick ' : ''}seed ${r.seed}: ${r.leags} LEAGs on ${r.hosts.mode}, ${r.durationSeconds} s`,
  );
  lines.push('', 'faults                               applied  skipped');
  for (const [kind, n] of Object.entries(r.faults)) {
    lines.push(`  ${kind.padEnd(34)} ${String(n.applied).padStart(7)}  ${String(n.skipped).padStart(7)}`);
  }
  lines.push('');
  row('height reached', String(r.blocks.height));
  row('heights lost / forked', `${r.blocks.lostHeights.length} / ${r.blocks.forks.length}`);
  row('final heads', r.blocks.chains.map((c) => `leag-${c.leag} ${c.head}`).join(', '));
  row('txs acknowledged (202)', `${r.txs.acked} ${JSON.stringify(r.txs.load.ackedByKind)}`);
  row('  committed / dropped / pending', `${r.txs.committed} / ${r.txs.dropped} / ${r.txs.pending}`);
  if (r.txs.dropped > 0) row('  dropped by code', JSON.stringify(r.txs.droppedByCode ?? {}));
  row('  unaccounted', `${r.txs.unaccounted} ${JSON.stringify(r.txs.unaccountedByKind)}`);
  for (const [cause, n] of Object.entries(r.txs.unaccountedByCause)) row(`    ${cause}`, String(n));
  row('  refused / unanswered', `${JSON.stringify(r.txs.load.refused)} / ${r.txs.load.unanswered}`);
  row('longest stall after a heal', stallLine(r.longestStallAfterHeal, true));
  row('longest stall after any action', stallLine(r.longestStall, false));
  row(
    'longest time without a block',
    r.longestGap
      ? `${r.longestGap.seconds} s from ${r.longestGap.atSeconds} s, after: ${r.longestGap.preceded}`
      : '-',
  );
  const q = r.longestStallWithQuorum;
  row(
    'longest stall with quorum up',
    q ? `${q.seconds} s from ${q.atSeconds} s, after: ${q.lastActions}` : '-',
  );
  for (const s of r.slowRecoveries) row('  slow recovery', stallLine(s, true));
  const b = r.boots;
  row(
    'daemon start to API answering',
    b.slowest
      ? `median ${b.medianSeconds} s, slowest ${b.slowest.seconds} s (leag-${b.slowest.leag} at ${b.slowest.atSeconds} s)` +
          `, ${b.count} starts${b.neverAnswered > 0 ? `, ${b.neverAnswered} never answered` : ''}`
      : '-',
  );
  for (const z of r.byzantine) row(`byzantine leag-${z.leag}`, byzantineLine(z));
  lines.push('', 'checks');
  for (const c of r.checks) {
    const verdict = c.passed === null ? 'n/a ' : c.passed ? 'PASS' : 'FAIL';
    lines.push(`  ${verdict}  ${c.name.padEnd(34)} ${c.detail}`);
  }
  for (const s of r.skipped) lines.push(`  skipped: ${s}`);
  lines.push('', r.passed ? 'chaos: every check passed' : `chaos: FAILED (files kept in ${r.dir})`);
  return lines.join('\n');
}

function bootSummary(boots: FaultRunner['boots']): ChaosReport['boots'] {
  const done = boots.filter((b): b is typeof b & { ms: number } => b.ms !== null);
  const sorted = done.map((b) => b.ms).sort((a, b) => a - b);
  const slowest = maxBy(done, (b) => b.ms);
  return {
    count: boots.length,
    medianSeconds: sorted.length > 0 ? round(sorted[Math.floor(sorted.length / 2)]! / 1000) : null,
    slowest: slowest
      ? { leag: slowest.leag, atSeconds: round(slowest.atMs / 1000), seconds: round(slowest.ms / 1000) }
      : null,
    neverAnswered: boots.length - done.length,
  };
}

function byzantineLine(b: ChaosReport['byzantine'][number]): string {
  const parts: string[] = [b.mode];
  if (b.mode.startsWith('equivocate-')) {
    parts.push(b.evidence ? 'evidence on chain' : 'no evidence on chain');
    parts.push(
      b.belowRMinAtSeconds !== null
        ? `below R_min from ${b.belowRMinAtSeconds} s (lowest ${b.minReputationPpm} ppm)`
        : `never below R_min (lowest ${b.minReputationPpm ?? '?'} ppm)`,
    );
  }
  if (b.forgedBlocksServed !== null) parts.push(`${b.forgedBlocksServed} forged blocks served`);
  return parts.join(', ');
}

function summarize(actions: readonly string[]): string {
  if (actions.length === 0) return 'no fault action';
  if (actions.length <= 3) return actions.join(', then ');
  return `${actions[0]}, then ${actions.length - 2} more, then ${actions.at(-1)}`;
}

function stallLine(s: StallJson | null, afterHeal: boolean): string {
  if (!s) return '-';
  const secs = afterHeal ? s.afterHealSeconds : s.seconds;
  return `${secs} s at ${s.atSeconds} s (${s.endedBy}), after: ${s.preceded}`;
}

function stallJson(s: Stall | null): StallJson | null {
  if (!s) return null;
  return {
    seconds: round(s.ms / 1000),
    afterHealSeconds: s.afterHealMs === null ? null : round(s.afterHealMs / 1000),
    atSeconds: round(s.fromMs / 1000),
    fromHeight: s.startHeight,
    endedBy: s.endedBy,
    preceded: describe(s),
  };
}

function maxBy<T>(items: readonly T[], key: (t: T) => number): T | null {
  return items.reduce<T | null>((a, t) => (a && key(a) >= key(t) ? a : t), null);
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
