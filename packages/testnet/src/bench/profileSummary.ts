/* biome-ignore-all lint/suspicious/noConsole: a command-line tool that reports on stdout */
/**
 * Summarises the V8 CPU profiles daemons write under `V2G_CPU_PROF=<dir>`
 * (`node --cpu-prof`): busy time by kind of work, and the functions with the
 * most self time. `--skip <s>` leaves out each profile's first seconds
 * (start-up and funding). The per-package kinds need daemons that run the
 * TypeScript sources: a precompiled bundle's frames all name one file.
 *
 *   node packages/testnet/src/bench/profileSummary.ts <dir> [--skip 15] [--top 25]
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const has = (stack: readonly string[], re: RegExp) => stack.some((s) => re.test(s));
const PROJECT = /\/packages\/|daemon-bundle/;

/** Kinds of work, first match wins: by the sampled frame, or by a caller on its stack. */
const KINDS: readonly [string, (fn: string, url: string, stack: readonly string[]) => boolean][] = [
  ['GC', (fn) => fn === '(garbage collector)'],
  ['ed25519 verification', (_f, _u, st) => has(st, /^verifySignature /)],
  ['module loading, TypeScript stripping', (_f, _u, st) => has(st, /node:internal\/modules/)],
  ['LevelDB', (_f, u) => /classic-level|abstract-level/.test(u)],
  ['hashing (node:crypto)', (_f, u) => u.includes('node:internal/crypto/hash')],
  ['CBOR (cborg)', (_f, u) => u.includes('cborg')],
  [
    'network (libp2p, gossipsub, yamux, noise)',
    (_f, _u, st) => has(st, /libp2p|gossipsub|yamux|noise|stream-to-it|uint8arraylist/) && !has(st, PROJECT),
  ],
  ['HTTP API (fastify)', (_f, _u, st) => has(st, /fastify|find-my-way|avvio/) && !has(st, PROJECT)],
  ['core: codecs, tx ids', (_f, u) => /core\/src\/(encoding|tx|block)\//.test(u)],
  ['core: state, execution, digest', (_f, u) => /core\/src\/(state|crypto|ledger|merkle)/.test(u)],
  ['core: market', (_f, u) => u.includes('core/src/market')],
  ['consensus package', (_f, u) => u.includes('consensus/src')],
  ['node package', (_f, u) => u.includes('node/src')],
  ['other', () => true],
];

const frame = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(packages|node_modules\/\.pnpm)\//, '')}`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { skip: { type: 'string', default: '0' }, top: { type: 'string', default: '25' } },
  });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: profileSummary.ts <dir> [--skip seconds] [--top n]');
  const skipUs = Number(values.skip) * 1e6;
  const byKind = new Map<string, number>();
  const bySelf = new Map<string, number>();
  let busy = 0;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  for (const f of files) {
    const p = JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    let t = 0;
    p.samples.forEach((id, i) => {
      const dt = p.timeDeltas[i] ?? 0;
      t += dt;
      const n = byId.get(id)!;
      if (t < skipUs || n.callFrame.functionName === '(idle)') return;
      busy += dt;
      const stack: string[] = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const c = byId.get(cur)!.callFrame;
        stack.push(`${c.functionName} ${c.url}`);
      }
      const kind = KINDS.find(([, test]) => test(n.callFrame.functionName, n.callFrame.url, stack))![0];
      byKind.set(kind, (byKind.get(kind) ?? 0) + dt);
      bySelf.set(frame(n), (bySelf.get(frame(n)) ?? 0) + dt);
    });
  }
  const pct = (x: number) => `${((x / busy) * 100).toFixed(1).padStart(5)} %`;
  console.log(
    `${files.length} profiles, ${(busy / 1e6).toFixed(1)} s busy (first ${values.skip} s of each left out)`,
  );
  for (const [k, v] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`${pct(v)}  ${k}`);
  console.log('\nself time');
  for (const [k, v] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
    console.log(`${pct(v)}  ${k}`);
  }
}

await main();
