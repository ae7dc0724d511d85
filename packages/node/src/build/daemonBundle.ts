import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where `pnpm build:daemon` (buildDaemon.ts) writes the LEAG daemon as
 * precompiled JavaScript: one ESM bundle of the CLI, so a daemon starts
 * without Node's type stripper and without resolving hundreds of modules.
 */
export const BUNDLE_DIR = fileURLToPath(new URL('../../dist/daemon-bundle/', import.meta.url));
export const BUNDLE_PATH = `${BUNDLE_DIR}v2g.js`;
/** The source files the bundle was built from (esbuild's metafile inputs), for the freshness check. */
export const BUNDLE_INPUTS_PATH = `${BUNDLE_DIR}inputs.json`;
/** The CLI's TypeScript source: what the bundle is built from, and what a daemon runs when it is stale. */
export const CLI_PATH = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

/**
 * Why the bundle cannot stand for the sources, or null when it can: it is
 * missing, or a source file it was built from changed after it was written.
 * Checked before every daemon start, so a stale bundle never runs code that
 * is no longer in the tree (the sources then run as they are).
 */
export function bundleStaleness(bundle = BUNDLE_PATH, inputsFile = BUNDLE_INPUTS_PATH): string | null {
  let builtAt: number;
  let inputs: string[];
  try {
    builtAt = statSync(bundle).mtimeMs;
    inputs = JSON.parse(readFileSync(inputsFile, 'utf8')) as string[];
  } catch {
    return 'not built (pnpm build:daemon)';
  }
  for (const input of inputs) {
    let mtime: number;
    try {
      mtime = statSync(input).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtime > builtAt) return `${input} changed after the bundle was built`;
  }
  return null;
}

/**
 * The script a daemon runs: the precompiled bundle (`pnpm build:daemon`)
 * while it is as new as every source it was built from, which starts in
 * about half the time and 20 MB smaller; else the TypeScript sources, and
 * always with V2G_DAEMON_SOURCES=1 (profiles then name source files).
 */
export function daemonEntry(): string {
  if (process.env.V2G_DAEMON_SOURCES === '1') return CLI_PATH;
  return bundleStaleness() === null ? BUNDLE_PATH : CLI_PATH;
}
