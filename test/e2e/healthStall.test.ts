// Ports: 38500–38699 (see testnet.test.ts for the other files' ranges).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '@v2g/testnet';
import { Cluster } from './cluster.ts';

/**
 * Issue 13: in every stall found so far, `/v1/health` said `"status":"ok"`.
 * Four LEAGs of equal weight need three for a quorum; with three stopped,
 * the last one cannot commit, and after 10 s without a block (the floor of
 * 10 block intervals) its health must say so.
 */
describe('a LEAG whose chain has stalled', { timeout: 120_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({
      leags: 4,
      p2pBasePort: 38500,
      httpBasePort: 38600,
      blockIntervalMs: 200,
      windowBlocks: 10,
      committeeSize: 0,
    });
    for (let i = 0; i < 4; i++) cluster.start(i);
    await cluster.waitForHeight(0, 3);
  });

  after(async () => {
    await cluster?.close();
  });

  test('answers /v1/health with 503 and the reason stalled, then 200 ok once blocks flow again', async () => {
    const healthy = await cluster.clients[0]!.health();
    assert.equal(healthy.status, 'ok', JSON.stringify(healthy));
    await Promise.all([1, 2, 3].map((i) => cluster.stop(i)));
    const stoppedAt = Date.now();
    const res = await waitFor('leag-0 to report the stall', 30_000, async () => {
      const r = await fetch(`${cluster.clients[0]!.baseUrl}/v1/health`);
      return r.status === 200 ? undefined : r;
    });
    assert.ok(
      Date.now() - stoppedAt < 25_000,
      'the stall is reported within 10 s of the last block, plus polling',
    );
    assert.equal(res.status, 503);
    const body = (await res.json()) as { status: string; reasons: { condition: string; message: string }[] };
    assert.equal(body.status, 'unhealthy');
    const stalled = body.reasons.find((r) => r.condition === 'stalled');
    assert.ok(stalled, JSON.stringify(body));
    assert.match(stalled.message, /no new block for \d+ s/);
    assert.equal(await cluster.metric(0, /^v2g_health_condition\{condition="stalled"\}$/), 1);

    for (const i of [1, 2, 3]) cluster.start(i);
    await waitFor('leag-0 healthy again', 60_000, async () =>
      (await cluster.clients[0]!.health()).status === 'ok' ? true : undefined,
    );
    assert.equal(await cluster.metric(0, /^v2g_health_condition\{condition="stalled"\}$/), 0);
  });
});
