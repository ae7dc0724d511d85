import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * One chaos run at a time on a machine: runs share the namespace names, and
 * a run removes what an earlier one left. The lock holds the owner's pid; a
 * lock whose owner is gone is taken over.
 */
export const LOCK_PATH = '/tmp/v2g-chaos.lock';

export function acquireLock(): void {
  try {
    writeFileSync(LOCK_PATH, String(process.pid), { flag: 'wx' });
    return;
  } catch {
    const owner = Number(readFileSync(LOCK_PATH, 'utf8'));
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new Error(`another chaos run (pid ${owner}) is active; its lock is ${LOCK_PATH}`);
    }
    writeFileSync(LOCK_PATH, String(process.pid));
  }
}

export function releaseLock(): void {
  try {
    if (Number(readFileSync(LOCK_PATH, 'utf8')) === process.pid) rmSync(LOCK_PATH);
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
