/* biome-ignore-all lint/suspicious/noConsole: a build step reports what it wrote */
/**
 * `pnpm build:daemon`: the CLI (and so `v2g start`) as one precompiled ESM
 * bundle in packages/node/dist/daemon-bundle/, which the testnet, the bench
 * and the chaos harness start daemons from while it is fresh
 * (daemonBundle.ts). Measured on the 2-core VM: a daemon from the bundle
 * starts in about half the time and idles about 20 MB smaller than one run
 * through Node's type stripper (BENCHMARKS.md, "Scale").
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { BUNDLE_DIR, BUNDLE_INPUTS_PATH, BUNDLE_PATH, CLI_PATH } from './daemonBundle.ts';

const ROOT = resolve(BUNDLE_DIR, '../../../..');

/**
 * Each module keeps its own `import.meta.url` (the dashboard's files and
 * uPlot are found relative to their source module, not to the bundle).
 */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return {
        contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: args.path.endsWith('ts') ? 'ts' : 'js',
      };
    });
  },
};

export async function buildDaemonBundle(): Promise<{ inputs: number; bytes: number; ms: number }> {
  const started = performance.now();
  await mkdir(BUNDLE_DIR, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [CLI_PATH],
    outfile: BUNDLE_PATH,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    metafile: true,
    logLevel: 'warning',
    // LevelDB's native addon is found next to its package at run time; `level` resolves from packages/node.
    external: ['level', 'classic-level'],
    // CommonJS dependencies call require(); an ESM bundle provides it.
    banner: {
      js: "import { createRequire as __v2gCreateRequire } from 'node:module'; const require = __v2gCreateRequire(import.meta.url);",
    },
    plugins: [ownImportMetaUrl],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes('node_modules'))
    .map((p) => resolve(ROOT, p));
  await writeFile(BUNDLE_INPUTS_PATH, `${JSON.stringify(inputs, null, 1)}\n`);
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  return { inputs: inputs.length, bytes, ms: performance.now() - started };
}

if (import.meta.main) {
  const r = await buildDaemonBundle();
  console.log(
    `daemon bundle: ${relative(process.cwd(), BUNDLE_PATH)} (${(r.bytes / 2 ** 20).toFixed(1)} MiB from ${r.inputs} project files, ${r.ms.toFixed(0)} ms)`,
  );
}
