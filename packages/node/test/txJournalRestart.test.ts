import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { registerEvTx } from '@v2g/client';
import { createChainMempool } from '@v2g/consensus';
import {
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  encodeTx,
  type Genesis,
  generateKeyPair,
  toHex,
  txId,
} from '@v2g/core';
import { Registry } from 'prom-client';
import { SliceQueue } from '../src/mempool/sliceQueue.ts';
import { createNodeMetrics } from '../src/metrics/nodeMetrics.ts';
import { restorePending } from '../src/node/restorePending.ts';
import { TxIngress } from '../src/node/txIngress.ts';
import { ChainStore } from '../src/storage/chainStore.ts';
import { EvidenceJournal } from '../src/storage/evidenceJournal.ts';

const ra = generateKeyPair();
const leag = generateKeyPair();
const genesis: Genesis = {
  chainId: 'v2g-test-journal',
  genesisTime: 0,
  raKey: ra.publicKey,
  gridOperatorKey: generateKeyPair().publicKey,
  leags: [{ publicKey: leag.publicKey, name: 'leag-0', reputationPpm: 500_000 }],
  params: {
    consensus: { ...defaultConsensusParams, committeeSize: 0 },
    market: defaultMarketParams,
    evReputation: defaultEvReputationParams,
  },
  allocations: [],
};

/** One start of a LEAG's store, mempool and ingress, with what it held before the stop restored. */
async function start(dir: string) {
  const chain = await ChainStore.open(dir, genesis);
  const mempool = createChainMempool(genesis, { maxTxs: 100, maxBytes: 1 << 20 });
  const ingress = new TxIngress({
    mempool,
    state: () => chain.state,
    metrics: createNodeMetrics(new Registry()),
    checks: new SliceQueue(5),
    publish: () => undefined,
    unavailable: () => null,
  });
  await restorePending(chain, mempool, ingress, new EvidenceJournal(chain.wal));
  return { chain, mempool, ingress };
}

test('an acknowledged transaction the LEAG dropped is still reported dropped, with its reason, after restarts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tx = registerEvTx({ chainId: genesis.chainId }, ra, generateKeyPair(), leag.publicKey);
  const bytes = encodeTx(tx);
  const idHex = toHex(txId(tx));

  let node = await start(dir);
  // Acknowledged as the API does it: journalled, then admitted.
  await node.chain.txJournal.add(idHex, bytes);
  assert.ok(node.ingress.readmit(bytes).ok);
  node.mempool.drop(idHex, 'window-closed', 'its window closed before a block took it');
  assert.equal(node.mempool.dropped(idHex)?.code, 'window-closed');
  await new Promise((r) => setImmediate(r));
  await node.chain.close();

  for (let restart = 1; restart <= 2; restart++) {
    node = await start(dir);
    assert.equal(node.mempool.hasId(idHex), false, `restart ${restart}: not pending again`);
    assert.deepEqual(
      node.mempool.dropped(idHex),
      { code: 'window-closed', reason: 'its window closed before a block took it' },
      `restart ${restart}: still dropped, with the reason`,
    );
    await node.chain.close();
  }
});

test('dropped records beyond the bound are pruned, oldest first', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const chain = await ChainStore.open(dir, genesis);
  t.after(() => chain.close());
  const ids = ['aa', 'bb', 'cc'].map((b) => b.repeat(32));
  for (const [i, id] of ids.entries())
    await chain.txJournal.dropped(id, 'double-spend', `spent ${i}`, 1000 + i);
  assert.deepEqual(
    (await chain.txJournal.allDropped(2)).map((d) => d.idHex),
    ids.slice(1),
  );
  assert.deepEqual(
    (await chain.txJournal.allDropped()).map((d) => d.idHex),
    ids.slice(1),
    'the oldest is gone from disk',
  );
});
