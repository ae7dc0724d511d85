import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * `npx -y pnpm v2g start` runs the daemon under a chain of launchers — npx's
 * shell shim, `npm exec`, `sh -c pnpm`, the node shim, pnpm, `sh -c` for the
 * script, the project's node shim — and none of them passes SIGTERM on: a
 * supervisor or a person who signals the process they started stops that
 * launcher and leaves the LEAG running with nobody to stop it. A launcher
 * cannot be made to forward a signal it never sees, so the daemon watches its
 * launchers instead and stops as if signalled once any of them is gone.
 *
 * Only launchers are watched: the walk up the process tree stops at the
 * first process that is not one (a login shell, a supervisor, a test runner),
 * so a daemon started directly (`node main.ts start`, systemd, the testnet)
 * watches nothing and outlives whoever it was meant to outlive.
 */

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Clock ticks since boot when it started: tells a live process from a new one that reused its pid. */
  readonly startTime: string;
  readonly argv: readonly string[];
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid … starttime …": comm may hold spaces and parentheses; the fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a.length > 0);
    // An exited process not yet reaped by its parent (a zombie) is gone all the same.
    if (fields[0] === 'Z') return null;
    return { pid, ppid: Number(fields[1]), startTime: fields[19] ?? '', argv };
  } catch {
    return null;
  }
}

const LAUNCHER_PROGRAMS = new Set(['npx', 'npm', 'pnpm', 'npx-cli.js', 'npm-cli.js', 'pnpm.cjs', 'pnpm.js']);
const SHELLS = new Set(['sh', 'bash', 'dash']);

/** Whether a process is one of the package-manager launchers or the shells and shims between them. */
export function isLauncher(argv: readonly string[]): boolean {
  const [first] = argv;
  if (first === undefined) return false;
  // npm renames its process to its command line: "npm exec pnpm@10 v2g start".
  if (/^(npm|pnpm|npx)( |$)/.test(first)) return true;
  if (argv.some((a) => LAUNCHER_PROGRAMS.has(basename(a)))) return true;
  // A shell running a script for one (`sh -c …`) or a node_modules/.bin shim.
  return SHELLS.has(basename(first)) && argv.some((a) => a === '-c' || a.includes('node_modules/.bin/'));
}

/** The launchers above this process, nearest first; empty where /proc is not there. */
export function launcherChain(from: number = process.ppid): ProcInfo[] {
  const chain: ProcInfo[] = [];
  let pid = from;
  while (pid > 1 && chain.length < 32) {
    const p = readProc(pid);
    if (!p || !isLauncher(p.argv)) break;
    chain.push(p);
    pid = p.ppid;
  }
  return chain;
}

/**
 * Calls `onGone` once when any launcher above this process has exited.
 * Returns a function that stops watching. The timer does not keep the
 * process alive.
 */
export function watchLaunchers(onGone: (launcher: string) => void, intervalMs = 500): () => void {
  const chain = launcherChain();
  if (chain.length === 0) return () => {};
  const timer = setInterval(() => {
    for (const p of chain) {
      const now = readProc(p.pid);
      if (now && now.startTime === p.startTime) continue;
      clearInterval(timer);
      onGone(`${p.argv.join(' ').slice(0, 80)} (pid ${p.pid})`);
      return;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
