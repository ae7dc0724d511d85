import { mkdirSync, writeFileSync } from 'node:fs';
import { simulate } from './simulate.ts';

interface BenchRow {
  readonly nodes: number;
  readonly committee: number | 'all';
  readonly blocks: number;
  readonly wallMs: number;
  readonly engineInputs: number;
  readonly inputsPerSecond: number;
  readonly blocksPerSecond: number;
  readonly inputsPerBlock: number;
  readonly virtualMsPerBlock: number;
}

/**
 * Benchmark on virtual time: no faults, no Byzantine LEAGs, every LEAG
 * checking signatures itself. What it measures is CPU: the whole network of
 * n engines (and their block execution) runs on one core, so blocks per
 * wall-clock second is the inverse of the network's total work per block.
 * It tests the seed's claim (3.1) that a small committee makes agreement
 * cheaper: votes per block grow with n·k instead of n².
 */
export function runBench(out = 'bench-results/consensus.json'): BenchRow[] {
  const rows: BenchRow[] = [];
  // Warm-up, so the first row does not pay for JIT compilation.
  simulate({
    seed: 2,
    nodes: 4,
    byzantine: 0,
    crashes: false,
    partitions: false,
    lossPpm: 0,
    stopAtHeight: 60,
    durationMs: 10_000_000,
  });
  for (const nodes of [4, 16, 64]) {
    for (const committee of [4, 7, 0]) {
      const target = nodes === 64 ? (committee === 0 ? 12 : 30) : nodes === 16 ? 60 : 150;
      const started = performance.now();
      const r = simulate({
        seed: 1,
        nodes,
        committee,
        byzantine: 0,
        lossPpm: 0,
        partitions: false,
        crashes: false,
        minDelayMs: 2,
        maxDelayMs: 20,
        faultsEndMs: 0,
        durationMs: 10_000_000,
        stopAtHeight: target,
        sharedVerifier: false,
      });
      const wallMs = performance.now() - started;
      if (r.violations.length > 0) throw new Error(`benchmark run violated: ${r.violations[0]}`);
      const row: BenchRow = {
        nodes,
        committee: committee === 0 ? 'all' : committee,
        blocks: r.minHeight,
        wallMs: Math.round(wallMs),
        engineInputs: r.engineInputs,
        inputsPerSecond: Math.round((r.engineInputs / wallMs) * 1000),
        blocksPerSecond: Math.round((r.minHeight / wallMs) * 100_000) / 100,
        inputsPerBlock: Math.round(r.engineInputs / r.minHeight),
        virtualMsPerBlock: Math.round(r.virtualMs / r.minHeight),
      };
      rows.push(row);
      process.stdout.write(
        `n=${String(nodes).padStart(2)} k=${String(row.committee).padStart(3)}: ${String(row.blocks).padStart(3)} blocks in ${String(row.wallMs).padStart(6)} ms wall, ${String(row.inputsPerSecond).padStart(6)} engine inputs/s, ${String(row.blocksPerSecond).padStart(7)} blocks/s, ${String(row.inputsPerBlock).padStart(5)} inputs/block, ${row.virtualMsPerBlock} virtual ms/block\n`,
      );
    }
  }
  const leaders = benchLeaderPolicies();
  mkdirSync(new URL('.', `file://${process.cwd()}/${out}`), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ generatedBy: 'pnpm sim --bench', node: process.version, rows, leaders }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${out}\n`);
  return rows;
}

interface LeaderRow {
  readonly policy: 'top' | 'weighted-rotation';
  readonly silentLeader: boolean;
  readonly blocks: number;
  readonly virtualMsPerBlock: number;
}

/**
 * DESIGN §5 asks to measure a fixed leader against weighted rotation: 7
 * LEAGs, all in the committee, with and without a silent LEAG that starts as
 * the highest-ranked one (the 'top' leader of round 0 at every height).
 * Virtual time per block is what a slow leader costs.
 */
function benchLeaderPolicies(): LeaderRow[] {
  const rows: LeaderRow[] = [];
  for (const silentLeader of [false, true]) {
    for (const policy of ['top', 'weighted-rotation'] as const) {
      const r = simulate({
        seed: 1,
        nodes: 7,
        committee: 0,
        byzantine: silentLeader ? 1 : 0,
        behaviours: ['withhold'],
        byzantineAtTop: true,
        leaderPolicy: policy,
        lossPpm: 0,
        partitions: false,
        crashes: false,
        faultsEndMs: 0,
        durationMs: 10_000_000,
        stopAtHeight: 100,
      });
      const row = {
        policy,
        silentLeader,
        blocks: r.minHeight,
        virtualMsPerBlock: Math.round(r.virtualMs / r.minHeight),
      };
      rows.push(row);
      process.stdout.write(
        `leader ${policy.padEnd(17)} ${silentLeader ? 'silent top LEAG' : 'all honest     '}: ${row.virtualMsPerBlock} virtual ms/block over ${row.blocks} blocks\n`,
      );
    }
  }
  return rows;
}
