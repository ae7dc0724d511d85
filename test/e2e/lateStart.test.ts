import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from './cluster.ts';

/**
 * Issue 9's hand-started case with real daemons: `v2g init --leags 3`, two
 * started, the third 20 s later. With three equal LEAGs a quorum needs all
 * three, so nothing commits until the third arrives; the first two have
 * gone through many rounds by then. Before the driver re-sent its messages
 * directly, gossip dropped the identical re-sent votes and all three stayed
 * at height 0 for good.
 */
describe('a LEAG that starts 20 s after the other two', { timeout: 120_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({
      leags: 3,
      p2pBasePort: 37100,
      httpBasePort: 37200,
      blockIntervalMs: 200,
      windowBlocks: 10,
      committeeSize: 0,
    });
  });

  after(async () => {
    await cluster?.close();
  });

  test('joins them, and blocks commit within 10 s of its start', async () => {
    cluster.start(0);
    cluster.start(1);
    await sleep(20_000);
    assert.equal(await cluster.height(0), 0, 'two of three cannot commit alone');
    const started = Date.now();
    cluster.start(2);
    await cluster.waitForHeight(2, 1, 10_000);
    await cluster.waitForHeight(0, 1, 10_000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed <= 10_000, `first block ${elapsed} ms after the third start`);
    await cluster.waitForHeight(1, 3, 10_000);
    assert.equal(await cluster.blockHashAt(0, 1), await cluster.blockHashAt(2, 1));
  });
});
