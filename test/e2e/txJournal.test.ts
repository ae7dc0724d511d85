// Ports: 39100–39299 (see testnet.test.ts for the other files' ranges).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerEvTx } from '@v2g/client';
import { generateKeyPair, toHex, txId } from '@v2g/core';
import { waitFor } from '@v2g/testnet';
import { Cluster } from './cluster.ts';

/**
 * Issue 12: over 22 kills, 78 of 9,860 transactions answered with 202 were
 * never committed, and nothing told the client. A LEAG now journals what it
 * acknowledges: killed with SIGKILL before the transaction could commit, it
 * comes back with the transaction pending again, and it commits.
 */
describe('a transaction acknowledged just before its LEAG is killed', { timeout: 120_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({
      leags: 4,
      p2pBasePort: 39100,
      httpBasePort: 39200,
      blockIntervalMs: 200,
      windowBlocks: 10,
      committeeSize: 0,
    });
    cluster.start(0);
  });

  after(async () => {
    await cluster?.close();
  });

  test('is pending again after the restart, and commits once a quorum is back', async () => {
    const client = cluster.clients[0]!;
    await waitFor('leag-0 up', 20_000, async () => ((await client.head()).height === 0 ? true : undefined));
    const { genesis, ra, leagKeys } = cluster.net;
    // Alone, leag-0 cannot commit: the transaction stays acknowledged and pending.
    const tx = registerEvTx({ chainId: genesis.chainId }, ra, generateKeyPair(), leagKeys[0]!.publicKey);
    const id = toHex(txId(tx));
    await client.submit(tx);
    assert.equal((await client.request<{ status: string }>('GET', `/v1/txs/${id}`)).status, 'pending');

    await cluster.stop(0, 'SIGKILL');
    cluster.start(0);
    const status = await waitFor(
      'leag-0 back',
      20_000,
      async () => (await client.request<{ status: string }>('GET', `/v1/txs/${id}`)).status,
    );
    assert.equal(status, 'pending', 'the acknowledged transaction came back from the journal');

    for (const i of [1, 2, 3]) cluster.start(i);
    const committed = await waitFor('the transaction committed', 60_000, async () => {
      const s = await client.request<{ status: string; height?: number }>('GET', `/v1/txs/${id}`);
      return s.status === 'committed' ? s : undefined;
    });
    assert.ok((committed.height ?? 0) >= 1);
  });
});
