import { cp, rm } from 'node:fs/promises';

/**
 * A power cut (docs/decisions/0016-chaos-hosts-and-latency-relay.md). Since
 * decision 0007's revision every consensus write is fsync'd before the
 * engine moves on: the signing state before any vote or proposal leaves, and
 * every block this LEAG decided or imported from gossip. A power cut can
 * therefore take back only unsynced writes, which are the middle of a block
 * sync batch (synced again after restart) and other unsynced bookkeeping. It
 * can no longer leave the signing state ahead of the stored chain, and the
 * harness no longer builds that state.
 *
 * The cut is modelled as the disk at the instant of the cut: each daemon is
 * paused (SIGSTOP, every LEAG of a cut at once before any copy), its data
 * directory copied while nothing can write (crash-consistent), the daemon
 * SIGKILLed while still paused, and the directory replaced by the copy. So
 * the cut keeps every write the daemon made, synced or not: it equals a
 * SIGKILL at one instant, except that it does not drop the unsynced writes a
 * real cut could (see the decision). The copy stays in `snapshots/` for a
 * post-mortem, and the restore step is where a finer model would drop them.
 */
export interface CutTarget {
  readonly dataDir: string;
  readonly snapDir: string;
  /** The daemon's node process; null when it is not running (its disk is left alone). */
  readonly pid: number | null;
}

/**
 * Cuts the power of every target at one instant: pause all, copy each disk,
 * then `kill` (SIGKILL, resolving once every process is gone), then put the
 * copies back in place.
 */
export async function powerCut(targets: readonly CutTarget[], kill: () => Promise<void>): Promise<void> {
  const live = targets.filter((t) => t.pid !== null);
  const paused: number[] = [];
  try {
    for (const t of live) {
      process.kill(t.pid!, 'SIGSTOP');
      paused.push(t.pid!);
    }
    for (const t of live) {
      await rm(t.snapDir, { recursive: true, force: true });
      await cp(t.dataDir, t.snapDir, { recursive: true });
    }
  } catch (err) {
    // A failed copy is no cut: the daemons resume as they were.
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    throw err;
  }
  // A stopped process dies of SIGKILL without running again.
  await kill();
  for (const t of live) {
    await rm(t.dataDir, { recursive: true, force: true });
    await cp(t.snapDir, t.dataDir, { recursive: true });
  }
}
