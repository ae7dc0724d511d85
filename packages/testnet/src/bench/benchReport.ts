import type { SteadyFigures } from './daemonSample.ts';
import type { StepResult } from './loadgen.ts';
import { type ScenarioResult, WARMUP_SEC } from './loadScenario.ts';
import type { SyncResult } from './syncScenario.ts';
import type { BurstResult } from './windowBurst.ts';

export interface BenchResult {
  readonly date: string;
  readonly quick: boolean;
  readonly machine: { cores: number; memoryGiB: number; node: string; cpu: string; loadAverage: number[] };
  readonly ceiling: { verifyPerSec: number };
  readonly main: ScenarioResult;
  readonly scaling: ScenarioResult[];
  readonly sync: { empty: SyncResult; full: SyncResult };
  readonly burst: BurstResult | { error: string };
  readonly targets: TargetRow[];
}

export interface TargetRow {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

function table(rows: string[][]): string {
  const [head, ...rest] = rows;
  return [
    `| ${head!.join(' | ')} |`,
    `|${head!.map(() => '---').join('|')}|`,
    ...rest.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The step with the most committed transactions per second: saturation. */
export function saturationStep(main: ScenarioResult): StepResult | undefined {
  return main.steps.reduce<StepResult | undefined>(
    (a, b) => (!a || b.committedPerSec > a.committedPerSec ? b : a),
    undefined,
  );
}

/** Issue 14's targets against what this run measured. */
export function targetRows(
  main: ScenarioResult,
  sync: BenchResult['sync'],
  burst: BenchResult['burst'],
): TargetRow[] {
  const sat = saturationStep(main);
  const steady = sat?.steady ?? [];
  const cpu = Math.max(...steady.map((f) => f.cpuUsPerTx));
  const gc = Math.max(...steady.map((f) => f.gcShare));
  const under1s = main.steps.filter((s) => s.latencyMs.p99 < 1000);
  const best = Math.max(0, ...under1s.map((s) => s.committedPerSec));
  const rss = Math.max(...main.daemons.map((d) => d.peakRssMb));
  const late = 'error' in burst ? Number.NaN : burst.lateRate;
  return [
    {
      target: '≤ 150 µs CPU per committed tx per LEAG at saturation (4 LEAGs)',
      measured: `${cpu} µs (worst LEAG, ${sat?.offered ?? '?'} tx/s offered)`,
      met: cpu <= 150,
    },
    {
      target: 'GC ≤ 5 % of CPU',
      measured: `${pct(gc)} of main-thread busy time (worst LEAG at saturation)`,
      met: gc <= 0.05,
    },
    {
      target: '≥ 3,000 committed tx/s with p99 < 1 s (4 LEAGs, 2 cores)',
      measured:
        under1s.length > 0
          ? `${best.toFixed(0)} tx/s (best step with p99 < 1 s); peak ${sat?.committedPerSec.toFixed(0)} tx/s`
          : `no step had p99 < 1 s; peak ${sat?.committedPerSec.toFixed(0)} tx/s at p99 ${sat?.latencyMs.p99.toFixed(0)} ms`,
      met: best >= 3000,
    },
    {
      target: 'Peak RSS ≤ 200 MB per daemon',
      measured: `${rss.toFixed(0)} MB (largest daemon, load steps)${'error' in burst ? '' : `; ${Math.max(...burst.peakRssMb).toFixed(0)} MB in the burst`}`,
      met: rss <= 200,
    },
    {
      target: 'Sync ≥ 3,000 empty certified blocks/s',
      measured: `${sync.empty.blocksPerSec.toFixed(0)} blocks/s`,
      met: sync.empty.blocksPerSec >= 3000,
    },
    {
      target: 'Sync ≥ 20,000 tx/s replayed (full blocks)',
      measured: `${sync.full.txsPerSec.toFixed(0)} tx/s`,
      met: sync.full.txsPerSec >= 20_000,
    },
    {
      target: 'Window-close burst: < 1 % of orders late',
      measured:
        'error' in burst
          ? burst.error
          : `${pct(late)} (window closes by height, ${burst.closedAfterSec} s after the first order); ${pct(burst.lateRateByClock)} had it closed by the clock ${burst.burstSec} s after`,
      met: late < 0.01,
    },
  ];
}

function steadyCells(f: SteadyFigures[]): string[] {
  return [
    f.map((x) => x.cpuUsPerTx).join(' / '),
    f.map((x) => (x.gcShare * 100).toFixed(1)).join(' / '),
    f.map((x) => x.cores.toFixed(2)).join(' / '),
    (['build', 'validate', 'wal', 'commit'] as const)
      .map((s) => `${s} ${mean(f.map((x) => x.stages[s].meanMs)).toFixed(1)}`)
      .join(', '),
  ];
}

export function benchMarkdown(r: BenchResult): string {
  const { machine, main, ceiling, sync, burst } = r;
  const lines = [
    '## End to end (`pnpm bench`)',
    '',
    `Measured ${r.date.slice(0, 10)} on ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}${r.quick ? ' (quick mode)' : ''}; load average at the start ${machine.loadAverage.map((x) => x.toFixed(1)).join(', ')}. Real daemons on loopback, signed transfers pre-signed by a separate load-generator process and submitted through \`POST /v1/txs/cbor\` (binary batches, 50 ms apart, spread over the LEAGs); commits seen on the block event stream of LEAG 0. Refusals are backpressure (\`overloaded\`, \`mempool-full\`); latency is from submission to the commit event.`,
    '',
    `Ceiling: ed25519 verification ${ceiling.verifyPerSec.toFixed(0)}/s on one core; every LEAG verifies every transaction once, so ${machine.cores} cores shared by 4 LEAGs bound throughput near ${((ceiling.verifyPerSec * machine.cores) / 4).toFixed(0)} tx/s before any other work.`,
    '',
    '### Targets (issue 14)',
    '',
    table([
      ['target', 'measured', 'met'],
      ...r.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : 'no']),
    ]),
    '',
    '### 4 LEAGs, committee = all, rising offered load',
    '',
    `Per-LEAG figures (leag-0 / leag-1 / …) are for the steady part of each step: from ${WARMUP_SEC} s into it to the end of its offered load, from \`/proc/<pid>/stat\` and each daemon's \`/metrics\` (\`v2g_txs_committed_total\`, stage histograms). GC % is the share of the main thread's busy time spent in GC pauses (\`v2g_gc_seconds_total\` over \`v2g_event_loop_active_seconds_total\`, both wall time, so a contended machine stretches both alike); cores is CPU seconds per second. Stage means are ms per event, averaged over the LEAGs.`,
    '',
    table([
      [
        'offered tx/s',
        'accepted',
        'committed tx/s',
        'p50 ms',
        'p99 ms',
        'refused',
        'CPU µs/tx',
        'GC %',
        'cores',
        'stages ms',
      ],
      ...main.steps.map((s) => [
        String(s.offered),
        String(s.submitted),
        s.committedPerSec.toFixed(0),
        s.latencyMs.p50.toFixed(0),
        s.latencyMs.p99.toFixed(0),
        JSON.stringify(s.refused),
        ...steadyCells(s.steady),
      ]),
    ]),
    '',
    `Per daemon over the run: ${main.daemons.map((d) => `${d.cpuSec.toFixed(1)} CPU s, peak RSS ${d.peakRssMb.toFixed(0)} MB`).join('; ')}.`,
    '',
  ];
  if (r.scaling.length > 0) {
    lines.push(
      '### Scaling (offered 1,000 tx/s)',
      '',
      table([
        ['LEAGs', 'committee', 'committed tx/s', 'p50 ms', 'p99 ms', 'CPU µs/tx (mean LEAG)'],
        ...r.scaling.map((s) =>
          s.error
            ? [String(s.nodes), String(s.committee), `failed: ${s.error}`, '', '', '']
            : [
                String(s.nodes),
                String(s.committee),
                s.peak.committedPerSec.toFixed(0),
                s.peak.p50.toFixed(0),
                s.peak.p99.toFixed(0),
                mean(s.steps[0]?.steady.map((f) => f.cpuUsPerTx) ?? []).toFixed(0),
              ],
        ),
      ]),
      '',
    );
  }
  lines.push(
    '### Window-close burst',
    '',
    'error' in burst ? `Failed: ${burst.error}` : burstParagraph(burst),
    '',
    '### Sync',
    '',
    table([
      [
        'chain',
        'blocks',
        'total s (start-up included)',
        'blocks/s',
        'tx/s replayed',
        'CPU µs/tx',
        'peak RSS MB',
      ],
      ...[sync.empty, sync.full].map((s) => [
        s.txsPerBlock === 0 ? 'empty certified blocks' : `${s.txsPerBlock} transfers per block`,
        String(s.blocks),
        s.totalSeconds.toFixed(1),
        s.blocksPerSec.toFixed(0),
        s.txsPerBlock === 0 ? '–' : s.txsPerSec.toFixed(0),
        Number.isNaN(s.cpuUsPerTx) ? '–' : String(s.cpuUsPerTx),
        s.peakRssMb.toFixed(0),
      ]),
    ]),
    '',
    'Rates are over the steady part: from the fresh LEAG first reporting a tenth of the chain to its head at the last block.',
    '',
  );
  return lines.join('\n');
}

function burstParagraph(b: BurstResult): string {
  const never = Object.values(b.neverAccepted).reduce((x, y) => x + y, 0);
  return [
    `${b.orders} orders (half sell, half buy) from as many EVs, registered and funded beforehand, offered evenly over the last ${b.burstSec} s of window ${b.window} to their own stations (${b.leags} LEAGs, ${b.windowBlocks}-block windows, ${b.blockIntervalMs} ms block interval); an order refused by backpressure is offered again after a backoff (500 ms doubling to 4 s, jittered) until the window closes.`,
    `The burst began with ${b.blocksLeftAtStart} blocks left at the idle rate of ${b.idleBlocksPerSec} blocks/s; the window closed ${b.closedAfterSec} s after the first order (the chain slows under the burst, so the window stretches).`,
    `**${b.committedInWindow} of ${b.orders} committed inside their window (late rate ${pct(b.lateRate)}): ${never} never accepted ${JSON.stringify(b.neverAccepted)}, ${b.acceptedNotCommitted} accepted but not included ${JSON.stringify(b.notCommittedCodes)}.**`,
    `Had the window closed by the clock, ${b.burstSec} s after the first order as estimated, ${b.committedByEstimatedClose} would have made it (late rate ${pct(b.lateRateByClock)}).`,
    `Refused offers ${JSON.stringify(b.refusedOffers)}; ${b.acceptedOnRetry} orders were accepted on a retry.`,
    `Latency from first offer to commit: p50 ${b.latencyMs.p50.toFixed(0)} ms, p99 ${b.latencyMs.p99.toFixed(0)} ms.`,
    `Per LEAG from the burst's start to the close: ${b.perLeag.map((f) => `${f.cpuUsPerTx} µs CPU/tx, GC ${pct(f.gcShare)}`).join('; ')}; peak RSS ${b.peakRssMb.map((x) => x.toFixed(0)).join(' / ')} MB.`,
  ].join(' ');
}
