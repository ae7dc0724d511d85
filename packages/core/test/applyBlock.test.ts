import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyBlock,
  BlockError,
  buildBlock,
  genesisAllocationTxId,
  genesisHash,
  genesisState,
  MemoryStateStore,
  MerkleTree,
  signTx,
  type Tx,
  txHash,
  walletAddress,
} from '@v2g/core';
import { alice, bob, coreRules, leags, testGenesis } from './fixtures.ts';

const genesis = testGenesis();

function freshStore(): MemoryStateStore {
  const store = new MemoryStateStore();
  const g = genesisState(genesis);
  store.applySync(g.changes, g.digest);
  return store;
}

function transferFromAlice(amounts: number[]): Tx {
  return signTx(
    {
      version: 1,
      chainId: genesis.chainId,
      inputs: [{ txId: genesisAllocationTxId(genesis), index: 0 }],
      outputs: amounts.map((amount, i) => ({
        address: walletAddress((i % 2 ? alice : bob).publicKey),
        amount,
      })),
      lockTime: 0,
      body: { kind: 'transfer' },
    },
    [alice],
  );
}

describe('applyBlock', () => {
  test('a built block applies on another node with the same state root', () => {
    const opts = { genesis, rules: coreRules, parentHash: genesisHash(genesis) };
    const template = {
      height: 1,
      timestamp: genesis.genesisTime + 1,
      proposer: leags[0]!.publicKey,
      round: 0,
      lastCommit: null,
    };
    const built = buildBlock(freshStore(), template, [transferFromAlice([600_000, 400_000])], opts);
    assert.equal(built.rejected.length, 0);
    const applied = applyBlock(freshStore(), built.block, opts);
    assert.deepEqual(applied.stateRoot, built.stateRoot);
    assert.deepEqual(applied.hash, built.hash);
  });

  test('rejects a double spend inside one block, naming the transaction', () => {
    const opts = { genesis, rules: coreRules, parentHash: genesisHash(genesis) };
    const template = {
      height: 1,
      timestamp: genesis.genesisTime + 1,
      proposer: leags[0]!.publicKey,
      round: 0,
      lastCommit: null,
    };
    const a = transferFromAlice([1_000_000]);
    const b = transferFromAlice([500_000, 500_000]);
    const built = buildBlock(freshStore(), template, [a, b], opts);
    assert.equal(built.block.txs.length, 1);
    assert.equal(built.rejected[0]?.error.code, 'double-spend');
    // A proposer that includes both anyway (with a correct txRoot) is refused at the second one.
    const forged = {
      ...built.block,
      header: { ...built.block.header, txRoot: new MerkleTree([a, b].map(txHash)).root },
      txs: [a, b],
    };
    assert.throws(
      () => applyBlock(freshStore(), forged, opts),
      (e: unknown) =>
        e instanceof BlockError &&
        e.type.code === 'invalid-tx' &&
        e.type.index === 1 &&
        e.type.txCode === 'double-spend',
    );
  });
});
