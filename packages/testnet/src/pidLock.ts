import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * A lock file holding its owner's pid: one run at a time of something that
 * owns machine-wide names (network namespaces). A lock whose owner is gone
 * is taken over; `what` names the run in the refusal.
 */
export function acquirePidLock(path: string, what: string): void {
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
    return;
  } catch {
    const owner = Number(readFileSync(path, 'utf8'));
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new Error(`another ${what} (pid ${owner}) is active; its lock is ${path}`);
    }
    writeFileSync(path, String(process.pid));
  }
}

/** Removes the lock if this process holds it. */
export function releasePidLock(path: string): void {
  try {
    if (Number(readFileSync(path, 'utf8')) === process.pid) rmSync(path);
  } catch {
    // not ours, or already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
