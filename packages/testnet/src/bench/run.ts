/* biome-ignore-all lint/suspicious/noConsole: the benchmark reports on stdout */
/**
 * `pnpm bench`: end-to-end figures with real daemons over loopback, and a
 * load generator in its own process: rising load on 4 LEAGs (per-LEAG CPU per
 * committed transaction, GC share and stage times over each step's steady
 * part), scaling, a window-close burst of market orders, and sync of empty
 * and full blocks. Writes bench-results/bench.json and the "End to end"
 * section of BENCHMARKS.md. `--quick` skips scaling and uses shorter runs.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { generateKeyPair, signMessage, utf8, verifySignature } from '@v2g/core';
import { type BenchResult, benchMarkdown, targetRows } from './benchReport.ts';
import { loadScenario, type ScenarioResult, steadyLines } from './loadScenario.ts';
import { syncScenario } from './syncScenario.ts';
import { windowBurst } from './windowBurst.ts';

function verifyCeiling(): { verifyPerSec: number } {
  const key = generateKeyPair();
  const msg = utf8('x'.repeat(120));
  const sig = signMessage(key.secretKey, msg);
  const n = 20_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) verifySignature(sig, msg, key.publicKey);
  return { verifyPerSec: n / ((performance.now() - t) / 1000) };
}

const failed = (nodes: number, k: number, err: unknown): ScenarioResult => ({
  error: err instanceof Error ? err.message : String(err),
  nodes,
  committee: k === 0 ? 'all' : k,
  steps: [],
  peak: { committedPerSec: Number.NaN, p50: Number.NaN, p99: Number.NaN },
  daemons: [],
  durationSec: 0,
});

/** Only what the flags name runs (all of it by default): for profiling one part. */
const PARTS = ['load', 'scaling', 'burst', 'sync'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const quick = values.quick === true;
  const only = new Set(values.only ? values.only.split(',') : PARTS);
  const machine = {
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    cpu: cpus()[0]?.model ?? '',
    loadAverage: loadavg(),
  };
  console.log(`load average at start: ${machine.loadAverage.map((x) => x.toFixed(2)).join(' ')}`);
  const ceiling = verifyCeiling();
  console.log(`ed25519 verify (node:crypto, one core): ${ceiling.verifyPerSec.toFixed(0)}/s`);

  let main4 = failed(4, 0, 'not run');
  if (only.has('load')) {
    const rates = quick ? [1000, 3000] : [250, 500, 1000, 2000, 4000];
    main4 = await loadScenario(4, 0, rates, 8, 41000);
    console.log(`4 LEAGs: peak ${main4.peak.committedPerSec.toFixed(0)} tx/s`);
    for (const s of main4.steps) for (const l of steadyLines(s)) console.log(l);
  }
  const scaling: ScenarioResult[] = [];
  if (!quick && only.has('scaling')) {
    let port = 42000;
    for (const n of [4, 8, 16]) {
      for (const k of [4, 0]) {
        if (n === 4 && k === 4) continue;
        const s = await loadScenario(n, k, [1000], 8, port).catch((err: unknown) => failed(n, k, err));
        scaling.push(s);
        port += 100;
        console.log(
          `${n} LEAGs k=${s.committee}: ${s.error ?? `${s.peak.committedPerSec.toFixed(0)} tx/s p99 ${s.peak.p99.toFixed(0)} ms`}`,
        );
      }
    }
  }
  let burst: BenchResult['burst'] = { error: 'not run' };
  if (only.has('burst')) {
    burst = await windowBurst({
      orders: 10_000,
      leags: 4,
      burstSec: 10,
      windowBlocks: 200,
      blockIntervalMs: 100,
      port: 44000,
    }).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
    console.log(`window-close burst: ${JSON.stringify(burst)}`);
  }
  const notRun = { blocks: 0, txsPerBlock: 0, totalSeconds: 0, steadySeconds: 0, blocksPerSec: Number.NaN };
  const notRunSync = { ...notRun, txsPerSec: Number.NaN, cpuSec: 0, cpuUsPerTx: Number.NaN, peakRssMb: 0 };
  let sync: BenchResult['sync'] = { empty: notRunSync, full: { ...notRunSync, txsPerBlock: 1 } };
  if (only.has('sync')) {
    const empty = await syncScenario(quick ? 5000 : 20_000, 0, 43000);
    console.log(`sync, empty blocks: ${empty.blocksPerSec.toFixed(0)} blocks/s`);
    const full = await syncScenario(quick ? 31 : 101, 1000, 43100);
    console.log(`sync, full blocks: ${full.txsPerSec.toFixed(0)} tx/s`);
    sync = { empty, full };
  }

  const partial = {
    date: new Date().toISOString(),
    quick,
    machine,
    ceiling,
    main: main4,
    scaling,
    sync,
    burst,
  };
  const result: BenchResult = { ...partial, targets: targetRows(main4, sync, burst) };
  await mkdir('bench-results', { recursive: true });
  await writeFile('bench-results/bench.json', `${JSON.stringify(result, null, 2)}\n`);
  const md = benchMarkdown(result);
  await writeFile('bench-results/bench.md', md);
  // A partial run (--only) writes its JSON and markdown, but leaves BENCHMARKS.md alone.
  if (!values.only) await replaceSection(md);
  console.log(md);
}

/** Replaces the "End to end" section of BENCHMARKS.md, keeping the rest. */
async function replaceSection(md: string): Promise<void> {
  const existing = await readFile('BENCHMARKS.md', 'utf8').catch(() => '# Benchmarks\n');
  const marker = '## End to end (`pnpm bench`)';
  const before = existing.includes(marker)
    ? existing.slice(0, existing.indexOf(marker))
    : `${existing.trimEnd()}\n\n`;
  const afterIdx = existing.includes(marker) ? existing.indexOf('\n## ', existing.indexOf(marker) + 1) : -1;
  const after = afterIdx >= 0 ? existing.slice(afterIdx + 1) : '';
  await writeFile('BENCHMARKS.md', `${before}${md}\n${after}`);
}

// `--scale` is a benchmark of its own (scale.ts): 16–64 LEAGs, each on its own host.
if (process.argv.includes('--scale')) await (await import('./scale.ts')).runScale(process.argv.slice(2));
else await main();
