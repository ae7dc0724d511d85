// Ports: 38900–39099 (see testnet.test.ts for the other files' ranges).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { toHex } from '@v2g/core';
import { waitFor } from '@v2g/testnet';
import { Cluster } from './cluster.ts';

/**
 * A real Byzantine daemon (the test-only `testOnlyBehaviour` setting, which
 * only a test chain accepts): LEAG 3 signs a prepare for every block and a
 * nil prepare too, each half of the committee seeing one version first. The
 * honest LEAGs catch it, put the evidence on chain, and its reputation is
 * cut below R_min; the chain keeps committing without it.
 */
describe('an equivocating voter among four real LEAGs', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  const BYZANTINE = 3;

  before(async () => {
    cluster = await Cluster.create({
      leags: 4,
      p2pBasePort: 38900,
      httpBasePort: 39000,
      blockIntervalMs: 200,
      windowBlocks: 10,
      committeeSize: 0,
    });
    const path = cluster.net.configPaths[BYZANTINE]!;
    const config = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...config, testOnlyBehaviour: 'equivocate-voter' }));
    for (let i = 0; i < 4; i++) cluster.start(i);
  });

  after(async () => {
    await cluster?.close();
  });

  test('is caught: evidence on chain, reputation below R_min, and blocks keep coming', async () => {
    const key = toHex(cluster.net.leagKeys[BYZANTINE]!.publicKey);
    const rMin = cluster.net.genesis.params.consensus.rMinPpm;
    const cut = await waitFor('the equivocator cut below R_min', 60_000, async () => {
      const { account } = await cluster.clients[0]!.request<{ account: { reputationPpm: number } }>(
        'GET',
        `/v1/accounts/${key}`,
      );
      return account.reputationPpm < rMin ? account.reputationPpm : undefined;
    });
    assert.ok(cut < rMin);
    assert.ok(
      (await cluster.metric(0, /^v2g_txs_committed_total$/)) >= 1,
      'the evidence transaction was committed',
    );
    const h = await cluster.height(0);
    await cluster.waitForHeight(0, h + 5, 20_000);
    assert.equal(await cluster.blockHashAt(0, h + 3), await cluster.blockHashAt(1, h + 3));
  });
});
