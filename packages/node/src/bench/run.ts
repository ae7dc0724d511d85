/* biome-ignore-all lint/suspicious/noConsole: the benchmark reports on stdout */
/**
 * `pnpm bench`: end-to-end figures with real daemons over loopback, and a
 * load generator in its own process. Writes bench-results/bench.json and the
 * "End to end" section of BENCHMARKS.md. `--quick` finishes in about 2 minutes.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateKeyPair, signMessage, utf8, verifySignature } from '@v2g/core';
import { NodeClient } from '../client/nodeClient.ts';
import { initNetwork } from '../config/initNetwork.ts';
import { type DaemonProcess, startDaemon, stopDaemon, waitFor } from '../testnet/processes.ts';
import type { StepResult } from './loadgen.ts';
import { cpuSeconds, peakRssMb } from './procStats.ts';
import { writeChain } from './syncChain.ts';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));

interface ScenarioResult {
  readonly error?: string;
  readonly nodes: number;
  readonly committee: number | 'all';
  readonly steps: StepResult[];
  readonly peak: { committedPerSec: number; p50: number; p99: number };
  readonly daemons: { cpuSec: number; peakRssMb: number }[];
  readonly durationSec: number;
}

async function scenario(
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
    const out = await runLoadgen({ dir, httpPorts: net.httpPorts, rates, stepSec, wallets: 256 });
    const cpu1 = await Promise.all(daemons.map((d) => cpuSeconds(d.child.pid!)));
    for (const [i, c] of clients.entries()) {
      console.log(`  stage means on leag-${i}: ${JSON.stringify(await stageTimings(c.baseUrl))}`);
    }
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

/** Mean seconds per event of the daemon's stage histograms, from its /metrics. */
async function stageTimings(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const name of [
    'v2g_block_build_seconds',
    'v2g_block_validate_seconds',
    'v2g_consensus_wal_write_seconds',
    'v2g_block_commit_seconds',
  ]) {
    const sum = Number(new RegExp(`^${name}_sum (\\S+)`, 'm').exec(text)?.[1]);
    const count = Number(new RegExp(`^${name}_count (\\S+)`, 'm').exec(text)?.[1]);
    out[name.replace(/^v2g_|_seconds$/g, '')] = count > 0 ? Number((sum / count).toFixed(4)) : 0;
    out[`${name.replace(/^v2g_|_seconds$/g, '')}_count`] = count;
  }
  for (const name of [
    'nodejs_heap_size_used_bytes',
    'nodejs_heap_size_total_bytes',
    'nodejs_external_memory_bytes',
    'process_resident_memory_bytes',
  ]) {
    const v = Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1]);
    out[`${name.replace(/_bytes$/, '')}_mb`] = Math.round(v / 2 ** 20);
  }
  return out;
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

async function syncScenario(
  blocks: number,
  port: number,
): Promise<{ blocks: number; seconds: number; blocksPerSec: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-bench-sync-'));
  const net = await initNetwork({
    dir,
    leags: 2,
    chainId: 'v2g-bench-sync',
    p2pBasePort: port,
    httpBasePort: port + 1000,
    committeeSize: 0,
    windowBlocks: 1_000_000,
    blockIntervalMs: 1000,
  });
  await writeChain(join(dir, 'data', 'leag-0'), net.genesis, net.leagKeys, blocks);
  const server = startDaemon('leag-0', net.configPaths[0]!, join(dir, 'leag-0.log'));
  const client = new NodeClient(`http://127.0.0.1:${net.httpPorts[1]}`);
  let fresh: DaemonProcess | null = null;
  try {
    await waitFor(
      'the serving LEAG',
      60_000,
      async () => (await new NodeClient(`http://127.0.0.1:${net.httpPorts[0]}`).head()).height,
    );
    const start = performance.now();
    fresh = startDaemon('leag-1', net.configPaths[1]!, join(dir, 'leag-1.log'));
    await waitFor(`fresh LEAG at height ${blocks}`, 600_000, async () =>
      (await client.head()).height >= blocks ? true : undefined,
    );
    const seconds = (performance.now() - start) / 1000;
    return { blocks, seconds, blocksPerSec: blocks / seconds };
  } finally {
    await stopDaemon(server);
    if (fresh) await stopDaemon(fresh);
    await rm(dir, { recursive: true, force: true });
  }
}

function verifyCeiling(): { verifyPerSec: number } {
  const key = generateKeyPair();
  const msg = utf8('x'.repeat(120));
  const sig = signMessage(key.secretKey, msg);
  const n = 20_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) verifySignature(sig, msg, key.publicKey);
  return { verifyPerSec: n / ((performance.now() - t) / 1000) };
}

function table(rows: string[][]): string {
  const [head, ...rest] = rows;
  return [
    `| ${head!.join(' | ')} |`,
    `|${head!.map(() => '---').join('|')}|`,
    ...rest.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const quick = values.quick === true;
  const ceiling = verifyCeiling();
  console.log(`ed25519 verify (node:crypto, one core): ${ceiling.verifyPerSec.toFixed(0)}/s`);
  const rates = quick ? [1000, 3000] : [250, 500, 1000, 2000, 4000];
  const stepSec = 8;
  const main4 = await scenario(4, 0, rates, stepSec, 41000);
  console.log(`4 LEAGs: peak ${main4.peak.committedPerSec.toFixed(0)} tx/s`);
  const scaling: ScenarioResult[] = [];
  if (!quick) {
    const scaleRates = [1000];
    let port = 42000;
    for (const n of [4, 8, 16]) {
      for (const k of [4, 0]) {
        if (n === 4 && k === 4) continue;
        const s = await scenario(n, k, scaleRates, 8, port).catch(
          (err: unknown): ScenarioResult => ({
            error: err instanceof Error ? err.message : String(err),
            nodes: n,
            committee: k === 0 ? 'all' : k,
            steps: [],
            peak: { committedPerSec: Number.NaN, p50: Number.NaN, p99: Number.NaN },
            daemons: [],
            durationSec: 0,
          }),
        );
        scaling.push(s);
        port += 100;
        console.log(
          `${n} LEAGs k=${s.committee}: ${s.error ?? `${s.peak.committedPerSec.toFixed(0)} tx/s p99 ${s.peak.p99.toFixed(0)} ms`}`,
        );
      }
    }
  }
  const sync = await syncScenario(quick ? 2000 : 10_000, 43000);
  console.log(`sync: ${sync.blocksPerSec.toFixed(0)} blocks/s`);

  const machine = {
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    cpu: cpus()[0]?.model ?? '',
  };
  const result = { date: new Date().toISOString(), quick, machine, ceiling, main: main4, scaling, sync };
  await mkdir('bench-results', { recursive: true });
  await writeFile('bench-results/bench.json', `${JSON.stringify(result, null, 2)}\n`);

  const md = [
    '## End to end (`pnpm bench`)',
    '',
    `Measured ${result.date.slice(0, 10)} on ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}${quick ? ' (quick mode)' : ''}. Real daemons on loopback, signed transfers pre-signed by a separate load-generator process and submitted through \`POST /v1/txs/cbor\` (binary batches, 50 ms apart, spread over the LEAGs); commits seen on the block event stream of LEAG 0. Refusals are backpressure (\`overloaded\`, \`mempool-full\`); latency is from submission to the commit event.`,
    '',
    `Ceiling: ed25519 verification ${ceiling.verifyPerSec.toFixed(0)}/s on one core; every LEAG verifies every transaction once, so ${machine.cores} cores shared by 4 LEAGs bound throughput near ${((ceiling.verifyPerSec * machine.cores) / 4).toFixed(0)} tx/s before any other work.`,
    '',
    '### 4 LEAGs, committee = all, rising offered load',
    '',
    table([
      ['offered tx/s', 'accepted', 'committed tx/s', 'p50 ms', 'p99 ms', 'refused'],
      ...main4.steps.map((s) => [
        String(s.offered),
        String(s.submitted),
        s.committedPerSec.toFixed(0),
        s.latencyMs.p50.toFixed(0),
        s.latencyMs.p99.toFixed(0),
        JSON.stringify(s.refused),
      ]),
    ]),
    '',
    `Per daemon over the run: ${main4.daemons.map((d) => `${d.cpuSec.toFixed(1)} CPU s, peak RSS ${d.peakRssMb.toFixed(0)} MB`).join('; ')}.`,
    '',
    ...(scaling.length > 0
      ? [
          '### Scaling (offered 1,000 tx/s)',
          '',
          table([
            ['LEAGs', 'committee', 'committed tx/s', 'p50 ms', 'p99 ms', 'CPU s per daemon (mean)'],
            ...scaling.map((s) =>
              s.error
                ? [String(s.nodes), String(s.committee), `failed: ${s.error}`, '', '', '']
                : [
                    String(s.nodes),
                    String(s.committee),
                    s.peak.committedPerSec.toFixed(0),
                    s.peak.p50.toFixed(0),
                    s.peak.p99.toFixed(0),
                    (s.daemons.reduce((a, d) => a + d.cpuSec, 0) / s.daemons.length).toFixed(1),
                  ],
            ),
          ]),
          '',
        ]
      : []),
    '### Sync',
    '',
    `A fresh LEAG caught up ${sync.blocks} blocks (empty blocks with full certificates) in ${sync.seconds.toFixed(1)} s: ${sync.blocksPerSec.toFixed(0)} blocks/s.`,
    '',
  ].join('\n');
  await writeFile('bench-results/bench.md', md);
  const existing = await readFile('BENCHMARKS.md', 'utf8').catch(() => '# Benchmarks\n');
  const marker = '## End to end (`pnpm bench`)';
  const before = existing.includes(marker)
    ? existing.slice(0, existing.indexOf(marker))
    : `${existing.trimEnd()}\n\n`;
  const afterIdx = existing.includes(marker) ? existing.indexOf('\n## ', existing.indexOf(marker) + 1) : -1;
  const after = afterIdx >= 0 ? existing.slice(afterIdx + 1) : '';
  await writeFile('BENCHMARKS.md', `${before}${md}\n${after}`);
  console.log(md);
}

await main();
