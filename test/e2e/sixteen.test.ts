// Ports: 39300–39499 (see testnet.test.ts for the other files' ranges).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerEvTx } from '@v2g/client';
import { generateKeyPair, toHex, txId } from '@v2g/core';
import { waitFor } from '@v2g/testnet';
import { Cluster } from './cluster.ts';

const N = 16;

/**
 * Issue 15: 16 LEAGs on one host never made a first block, because
 * gossipsub's IP-colocation score graylisted every peer on 127.0.0.1
 * (decision 0013). Sixteen real daemons on loopback, a committee of 7: they
 * agree on a head that carries committed transactions.
 */
describe('sixteen LEAGs on loopback with a committee of seven', { timeout: 240_000 }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.create({
      leags: N,
      p2pBasePort: 39300,
      httpBasePort: 39400,
      blockIntervalMs: 500,
      windowBlocks: 10,
      committeeSize: 7,
    });
    for (let i = 0; i < N; i++) cluster.start(i);
  });

  after(async () => {
    await cluster?.close();
  });

  test('agree on a head with committed transactions', async () => {
    await cluster.waitForHeight(0, 2, 120_000);
    const { genesis, ra, leagKeys } = cluster.net;
    const txs = Array.from({ length: 20 }, (_, i) =>
      registerEvTx({ chainId: genesis.chainId }, ra, generateKeyPair(), leagKeys[i % N]!.publicKey),
    );
    await Promise.all(txs.map((tx, i) => cluster.clients[i % N]!.submit(tx)));
    const last = toHex(txId(txs[txs.length - 1]!));
    const at = await waitFor('the transactions committed', 60_000, async () => {
      const s = await cluster.clients[0]!.request<{ status: string; height?: number }>(
        'GET',
        `/v1/txs/${last}`,
      );
      return s.status === 'committed' ? s.height : undefined;
    });
    const target = (at ?? 1) + 1;
    for (let i = 0; i < N; i++) await cluster.waitForHeight(i, target, 60_000);
    const hashes = new Set(
      await Promise.all(Array.from({ length: N }, (_, i) => cluster.blockHashAt(i, target))),
    );
    assert.equal(hashes.size, 1, 'one chain');
    for (const tx of txs) {
      const s = await cluster.clients[N - 1]!.request<{ status: string }>(
        'GET',
        `/v1/txs/${toHex(txId(tx))}`,
      );
      assert.equal(s.status, 'committed');
    }
  });
});
