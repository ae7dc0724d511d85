/* biome-ignore-all lint/suspicious/noConsole: the benchmark reports on stdout */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeClient } from '@v2g/client';
import { initNetwork } from '@v2g/node';
import { type DaemonProcess, startDaemon, stopDaemon, waitFor } from '../processes.ts';
import type { StepResult } from './loadgen.ts';
import { cpuSeconds, peakRssMb } from './procStats.ts';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));

export interface ScenarioResult {
  readonly error?: string;
  readonly nodes: number;
  readonly committee: number | 'all';
  readonly steps: StepResult[];
  readonly peak: { committedPerSec: number; p50: number; p99: number };
  /** Per daemon over the whole load run (funding included), and its peak RSS. */
  readonly daemons: { cpuSec: number; peakRssMb: number }[];
  readonly durationSec: number;
}

/** Seconds at the start of each load step that the steady figures leave out. */
export const WARMUP_SEC = 2;

/** N daemons on loopback under rising offered load from the load generator process. */
export async function loadScenario(
  nodes: number,
  committee: number,
  rates: number[],
  stepSec: number,
  port: number,
): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-bench-'));
  const net = await initNetwork({
    dir,
    leags: nodes,
    chainId: 'v2g-bench',
    p2pBasePort: port,
    httpBasePort: port + 1000,
    committeeSize: committee,
    windowBlocks: 1_000_000,
    blockIntervalMs: 100,
  });
  const daemons: DaemonProcess[] = net.configPaths.map((p, i) =>
    startDaemon(`leag-${i}`, p, join(dir, `leag-${i}.log`)),
  );
  const started = performance.now();
  try {
    const clients = net.httpPorts.map((p) => new NodeClient(`http://127.0.0.1:${p}`));
    // Many daemons starting at once on 2 cores take a while to load and find each other.
    await waitFor('first block', 60_000 + nodes * 15_000, async () =>
      (await clients[0]!.head()).height >= 1 ? true : undefined,
    );
    const cpu0 = await Promise.all(daemons.map((d) => cpuSeconds(d.child.pid!)));
    const out = await runLoadgen({
      dir,
      httpPorts: net.httpPorts,
      rates,
      stepSec,
      wallets: 256,
      daemons: daemons.map((d, i) => ({ pid: d.child.pid!, baseUrl: clients[i]!.baseUrl })),
      warmupSec: WARMUP_SEC,
    });
    const cpu1 = await Promise.all(daemons.map((d) => cpuSeconds(d.child.pid!)));
    const rss = await Promise.all(daemons.map((d) => peakRssMb(d.child.pid!)));
    const best = out.steps.reduce((a, b) => (b.committedPerSec > a.committedPerSec ? b : a));
    return {
      nodes,
      committee: committee === 0 ? 'all' : committee,
      steps: out.steps,
      peak: { committedPerSec: best.committedPerSec, p50: best.latencyMs.p50, p99: best.latencyMs.p99 },
      daemons: cpu1.map((c, i) => ({ cpuSec: c - cpu0[i]!, peakRssMb: rss[i]! })),
      durationSec: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.all(daemons.map((d) => stopDaemon(d)));
    if (process.env.V2G_KEEP_BENCH) console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

function runLoadgen(input: object): Promise<{ steps: StepResult[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOADGEN, JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => process.stderr.write(`  loadgen ${d.toString()}`));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as { steps: StepResult[] });
    });
  });
}

/** One line per LEAG of a step's steady figures, for the console. */
export function steadyLines(step: StepResult): string[] {
  return step.steady.map(
    (f, i) =>
      `  ${step.offered} tx/s, leag-${i}: ${f.cpuUsPerTx} µs CPU/tx, ${f.cores} cores, GC ${(f.gcShare * 100).toFixed(1)} %, ` +
      `${f.committed} committed in ${f.seconds} s; stages ms ${Object.entries(f.stages)
        .map(([k, v]) => `${k} ${v.meanMs}×${v.count}`)
        .join(', ')}`,
  );
}
