import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI as a person puts it on their PATH (bin/v2g), usable from any directory. */
export const V2G_BIN = fileURLToPath(new URL('../../bin/v2g', import.meta.url));
/** `pnpm --dir <repo> v2g …` as the README says, through npx as CI runs pnpm. */
export const PNPM_V2G = ['npx', ['-y', 'pnpm@10.34.8', '--silent', '--dir', REPO, 'v2g']] as const;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end in `cwd`, with everything it printed. */
export function run(
  cmd: string,
  args: readonly string[],
  cwd: string,
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} still running after ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** bin/v2g with `args`, run in `cwd`. */
export const v2g = (cwd: string, ...args: string[]) => run(V2G_BIN, args, cwd);

/** `pnpm v2g` with `args`, run in `cwd` (outside the repository). */
export const pnpmV2g = (cwd: string, ...args: string[]) =>
  run(PNPM_V2G[0], [...PNPM_V2G[1], ...args], cwd, 120_000);

/** Starts a long-running command in its own process group, as a terminal or a supervisor would. */
export function launch(
  cmd: string,
  args: readonly string[],
  cwd: string,
): ChildProcess & { output: () => string } {
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return Object.assign(child, { output: () => out });
}

export function parseJson<T>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`expected JSON from the CLI, got (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}
