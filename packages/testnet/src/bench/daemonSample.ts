import { cpuSeconds } from './procStats.ts';

/** The stage histograms the daemon keeps, by their short names in the report. */
export const STAGES = {
  build: 'v2g_block_build_seconds',
  validate: 'v2g_block_validate_seconds',
  wal: 'v2g_consensus_wal_write_seconds',
  commit: 'v2g_block_commit_seconds',
} as const;
export type Stage = keyof typeof STAGES;

/** One reading of a daemon: its process CPU from /proc, and counters from its /metrics. */
export interface DaemonSample {
  /** performance.now() of the reading. */
  readonly at: number;
  readonly cpuSec: number;
  readonly gcSec: number;
  /** Event-loop busy seconds (v2g_event_loop_active_seconds_total). */
  readonly loopActiveSec: number;
  /** Transactions this LEAG has committed (v2g_txs_committed_total). */
  readonly committed: number;
  readonly stages: Record<Stage, { sum: number; count: number }>;
}

/** What a daemon did between two samples. */
export interface SteadyFigures {
  readonly seconds: number;
  readonly cpuSec: number;
  /** Cores' worth of CPU the daemon used: cpuSec / seconds. */
  readonly cores: number;
  readonly committed: number;
  readonly cpuUsPerTx: number;
  /**
   * GC pause time over event-loop busy time: the share of the main thread's
   * work spent in GC pauses. Both are wall time, so descheduling on a shared
   * machine stretches both alike.
   */
  readonly gcShare: number;
  /** GC pause time over process CPU time: inflated when the machine is contended (pauses are wall time). */
  readonly gcPauseOverCpu: number;
  /** Mean ms per event of each stage, and how many events. */
  readonly stages: Record<Stage, { meanMs: number; count: number }>;
}

function metric(text: string, name: string): number {
  let total = 0;
  let seen = false;
  // A plain line `name value` or labelled lines `name{...} value`, summed.
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]);
    seen = true;
  }
  return seen ? total : Number.NaN;
}

export async function sampleDaemon(pid: number, baseUrl: string): Promise<DaemonSample> {
  // /metrics may wait behind a busy event loop; the CPU reading is the mean of before and after it.
  const cpuBefore = await cpuSeconds(pid);
  const at0 = performance.now();
  // A saturated daemon on a shared machine may take seconds to answer; a failed reading is NaN.
  const text = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(30_000) })
    .then((r) => r.text())
    .catch(() => '');
  const cpuAfter = await cpuSeconds(pid);
  const at = (at0 + performance.now()) / 2;
  const stages = {} as Record<Stage, { sum: number; count: number }>;
  for (const [short, name] of Object.entries(STAGES) as [Stage, string][]) {
    stages[short] = { sum: metric(text, `${name}_sum`), count: metric(text, `${name}_count`) };
  }
  return {
    at,
    cpuSec: (cpuBefore + cpuAfter) / 2,
    gcSec: metric(text, 'v2g_gc_seconds_total'),
    loopActiveSec: metric(text, 'v2g_event_loop_active_seconds_total'),
    committed: metric(text, 'v2g_txs_committed_total'),
    stages,
  };
}

export function steadyFigures(a: DaemonSample, b: DaemonSample): SteadyFigures {
  const seconds = (b.at - a.at) / 1000;
  const cpuSec = b.cpuSec - a.cpuSec;
  const committed = b.committed - a.committed;
  const stages = {} as Record<Stage, { meanMs: number; count: number }>;
  for (const s of Object.keys(STAGES) as Stage[]) {
    const count = b.stages[s].count - a.stages[s].count;
    const sum = b.stages[s].sum - a.stages[s].sum;
    stages[s] = { meanMs: count > 0 ? round((sum / count) * 1000, 2) : 0, count };
  }
  return {
    seconds: round(seconds, 2),
    cpuSec: round(cpuSec, 2),
    cores: round(cpuSec / seconds, 2),
    committed,
    cpuUsPerTx: committed > 0 ? Math.round((cpuSec * 1e6) / committed) : Number.NaN,
    gcShare: round((b.gcSec - a.gcSec) / (b.loopActiveSec - a.loopActiveSec), 3),
    gcPauseOverCpu: cpuSec > 0 ? round((b.gcSec - a.gcSec) / cpuSec, 3) : Number.NaN,
    stages,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
