import { parseArgs } from 'node:util';
import { runBench } from './bench.ts';
import { BEHAVIOURS, type Behaviour, defaultSimOptions, type SimOptions, simulate } from './simulate.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    seed: { type: 'string' },
    from: { type: 'string', default: '1' },
    nodes: { type: 'string', default: String(defaultSimOptions.nodes) },
    committee: { type: 'string', default: String(defaultSimOptions.committee) },
    byzantine: { type: 'string', default: String(defaultSimOptions.byzantine) },
    loss: { type: 'string', default: String(defaultSimOptions.lossPpm / 1_000_000) },
    'no-partitions': { type: 'boolean', default: false },
    'no-crashes': { type: 'boolean', default: false },
    'faults-ms': { type: 'string', default: String(defaultSimOptions.faultsEndMs) },
    'bound-ms': { type: 'string', default: String(defaultSimOptions.livenessBoundMs) },
    'duration-ms': { type: 'string', default: String(defaultSimOptions.durationMs) },
    leader: { type: 'string', default: defaultSimOptions.leaderPolicy },
    behaviours: { type: 'string' },
    bench: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

function int(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

if (values.bench) {
  runBench();
} else {
  const leader = values.leader === 'weighted-rotation' ? 'weighted-rotation' : 'top';
  const behaviours = (values.behaviours?.split(',') ?? BEHAVIOURS) as Behaviour[];
  for (const b of behaviours)
    if (!(BEHAVIOURS as readonly string[]).includes(b)) throw new Error(`unknown behaviour ${b}`);
  const base: Omit<SimOptions, 'seed'> = {
    ...defaultSimOptions,
    nodes: int('nodes', values.nodes),
    committee: int('committee', values.committee),
    byzantine: int('byzantine', values.byzantine),
    lossPpm: Math.round(Number(values.loss) * 1_000_000),
    partitions: !values['no-partitions'],
    crashes: !values['no-crashes'],
    faultsEndMs: int('faults-ms', values['faults-ms']),
    livenessBoundMs: int('bound-ms', values['bound-ms']),
    durationMs: int('duration-ms', values['duration-ms']),
    leaderPolicy: leader,
    behaviours,
  };
  const seeds =
    values.seed !== undefined
      ? [int('seed', values.seed)]
      : range(int('from', values.from), int('seeds', values.seeds));
  const started = performance.now();
  let failed: number | null = null;
  let blocks = 0;
  let inputs = 0;
  let evidence = 0;
  let violations = 0;
  for (const [i, seed] of seeds.entries()) {
    if (i > 0 && i % 1000 === 0) process.stderr.write(`… ${i} seeds, ${violations} violations so far\n`);
    const r = simulate({ ...base, seed });
    blocks += r.minHeight;
    inputs += r.engineInputs;
    evidence += r.evidenceCommitted;
    if (values.verbose || values.seed !== undefined) {
      print(
        `seed ${seed}: heights ${r.minHeight}..${r.maxHeight}, evidence ${r.evidenceCommitted}, behaviours ${r.behaviours.filter((b) => b !== 'honest').join(',') || '-'}`,
      );
      for (const v of r.violations) print(`  violation: ${v}`);
    }
    if (r.violations.length > 0) {
      violations += r.violations.length;
      if (failed === null) failed = seed;
      if (values.seed === undefined)
        print(`seed ${seed} failed: ${r.violations[0]} (replay: pnpm sim --seed ${seed} ...same options)`);
    }
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  const tail = failed === null ? 'violations: 0' : `violations: ${violations}, first failing seed ${failed}`;
  print(
    `sim: ${seeds.length} seeds, n=${base.nodes} k=${base.committee || 'all'} byzantine=${base.byzantine} loss=${values.loss} leader=${leader}, ${blocks} blocks (min honest height summed), ${evidence} evidence txs, ${inputs} engine inputs, ${secs}s, ${tail}`,
  );
  if (failed !== null) process.exitCode = 1;
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
