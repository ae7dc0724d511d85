import { acquirePidLock, releasePidLock } from '@v2g/testnet';

/**
 * One chaos run at a time on a machine: runs share the namespace names, and
 * a run removes what an earlier one left.
 */
export const LOCK_PATH = '/tmp/v2g-chaos.lock';

export function acquireLock(): void {
  acquirePidLock(LOCK_PATH, 'chaos run');
}

export function releaseLock(): void {
  releasePidLock(LOCK_PATH);
}
