// Ports: 38700–38899 (see testnet.test.ts for the other files' ranges).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '@v2g/testnet';
import { Cluster } from './cluster.ts';

/** A small filesystem needs root (mount); where that is refused the test says so and is skipped. */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `/tmp/v2g-mount-probe-${process.pid}`;
  try {
    mkdirSync(probe, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/**
 * Issue 13: with its data directory on a full filesystem a LEAG failed to
 * sync 659 times in 3 minutes while health said `ok`, and the LevelDB error
 * stayed until a restart. Now health turns 503 (`disk-full`), transactions
 * are refused, and once space is freed the LEAG reopens its store and
 * catches up by itself.
 */
describe('a LEAG whose disk fills up', {
  timeout: 150_000,
  skip: canMount() ? false : 'needs root to mount a small tmpfs',
}, () => {
  let cluster: Cluster;
  let mountPoint = '';
  const filler = () => join(mountPoint, 'filler');

  before(async () => {
    cluster = await Cluster.create({
      leags: 4,
      p2pBasePort: 38700,
      httpBasePort: 38800,
      blockIntervalMs: 200,
      windowBlocks: 10,
      committeeSize: 0,
    });
    mountPoint = join(cluster.dir, 'data', 'leag-0');
    mkdirSync(mountPoint, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]);
    for (let i = 0; i < 4; i++) cluster.start(i);
    await cluster.waitForHeight(0, 5);
  });

  after(async () => {
    // Daemons first, then the mount, then the directory that held it.
    for (let i = 0; i < 4; i++) await cluster?.stop(i);
    if (mountPoint) execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    await cluster?.close();
  });

  test('health is 503 within 5 s of the disk filling, and freeing space brings the LEAG back without a restart', async () => {
    const { bavail, bsize } = statfsSync(mountPoint);
    try {
      writeFileSync(filler(), Buffer.alloc(bavail * bsize));
    } catch {
      // ENOSPC: the file takes what there was, which is the point.
    }
    const filledAt = Date.now();
    const res = await waitFor('leag-0 to report the full disk', 15_000, async () => {
      const r = await fetch(`${cluster.clients[0]!.baseUrl}/v1/health`);
      return r.status === 200 ? undefined : r;
    });
    const reportedAfter = Date.now() - filledAt;
    assert.ok(reportedAfter <= 5_000, `health turned after ${reportedAfter} ms`);
    const body = (await res.json()) as { reasons: { condition: string }[] };
    const conditions = body.reasons.map((r) => r.condition);
    assert.ok(conditions.includes('disk-full'), JSON.stringify(body));
    // The others keep committing; leag-0 falls behind.
    const othersBefore = await cluster.height(1);
    await cluster.waitForHeight(1, othersBefore + 5, 20_000);

    rmSync(filler());
    await waitFor('leag-0 healthy again', 30_000, async () =>
      (await cluster.clients[0]!.health()).status === 'ok' ? true : undefined,
    );
    const target = await cluster.height(1);
    await cluster.waitForHeight(0, target, 20_000);
    assert.equal(await cluster.blockHashAt(0, target), await cluster.blockHashAt(1, target));
    assert.ok((await cluster.metric(0, /^v2g_store_recoveries_total$/)) >= 1);
  });
});
