import { cp, rm } from 'node:fs/promises';
import { Level } from 'level';

/**
 * A power cut, approximated (docs/decisions/0016-chaos-hosts-and-latency-relay.md):
 * the disk loses the writes made since a moment a few seconds earlier,
 * except the consensus signing state, which the daemon fsyncs before every
 * vote (decision 0007). The snapshot is that earlier disk; on restore the
 * signing state is carried over from the disk the daemon died with, so the
 * LEAG comes back with its signing state ahead of its stored blocks, the
 * case a real power cut can produce.
 *
 * The carried keys are those of the consensus WAL bucket (byte 6 of the
 * daemon's append-only bucket table, packages/node/src/storage/buckets.ts).
 */
const WAL_BUCKET = 6;

/** Copies `dataDir` to `snapDir`; a running daemon is paused (SIGSTOP) meanwhile, so the copy is crash-consistent. */
export async function takeSnapshot(dataDir: string, snapDir: string, pid: number | null): Promise<void> {
  await rm(snapDir, { recursive: true, force: true });
  if (pid !== null) process.kill(pid, 'SIGSTOP');
  try {
    await cp(dataDir, snapDir, { recursive: true });
  } finally {
    if (pid !== null) process.kill(pid, 'SIGCONT');
  }
}

/** Puts the snapshot back in place of `dataDir` (the daemon must be down), keeping the signing state. */
export async function restoreSnapshot(dataDir: string, snapDir: string): Promise<{ carriedKeys: number }> {
  const wal = await readBucket(dataDir, WAL_BUCKET);
  await rm(dataDir, { recursive: true, force: true });
  await cp(snapDir, dataDir, { recursive: true });
  const db = new Level<Uint8Array, Uint8Array>(dataDir, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    await db.batch(
      wal.map(([key, value]) => ({ type: 'put' as const, key, value })),
      { sync: true },
    );
  } finally {
    await db.close();
  }
  return { carriedKeys: wal.length };
}

async function readBucket(dir: string, bucket: number): Promise<[Uint8Array, Uint8Array][]> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    return await db.iterator({ gte: Uint8Array.of(bucket), lt: Uint8Array.of(bucket + 1) }).all();
  } finally {
    await db.close();
  }
}
