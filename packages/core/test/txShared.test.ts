import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeBlock,
  decodeTxShared,
  encodeBlock,
  encodeTx,
  genesisAllocationTxId,
  signTx,
  txCodec,
  txHash,
  txId,
  walletAddress,
} from '@v2g/core';
import fc from 'fast-check';
import { alice, bob, testGenesis } from './fixtures.ts';

const genesis = testGenesis();

function transfer(amounts: number[], lockTime: number) {
  return signTx(
    {
      version: 1,
      chainId: genesis.chainId,
      inputs: [{ txId: genesisAllocationTxId(genesis), index: 0 }],
      outputs: amounts.map((amount) => ({ address: walletAddress(bob.publicKey), amount })),
      lockTime,
      body: { kind: 'transfer' },
    },
    [alice],
  );
}

/** A structurally equal copy that shares no memo with the original. */
function fresh<T>(value: T): T {
  return txCodec.fromJson(txCodec.toJson(value as never), '$') as T;
}

test('a shared decode gives the same id and hash as computing them from scratch', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      (amounts, lockTime) => {
        const tx = transfer(amounts, lockTime);
        const decoded = decodeTxShared(encodeTx(tx));
        assert.deepEqual(txId(decoded), txId(fresh(tx)));
        assert.deepEqual(txHash(decoded), txHash(fresh(tx)));
      },
    ),
    { numRuns: 100 },
  );
});

test('identical bytes decode to one shared transaction', () => {
  const bytes = encodeTx(transfer([5], 0));
  assert.equal(decodeTxShared(bytes), decodeTxShared(new Uint8Array(bytes)));
});

test('a block carries each transaction as its canonical bytes and round-trips', () => {
  const tx = transfer([7, 8], 3);
  const block = {
    header: {
      version: 1 as const,
      chainId: genesis.chainId,
      height: 1,
      parentHash: new Uint8Array(32),
      txRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      lastCommitHash: new Uint8Array(32),
      timestamp: 1,
      proposer: alice.publicKey,
      round: 0,
    },
    txs: [tx],
    lastCommit: null,
  };
  const bytes = encodeBlock(block);
  const back = decodeBlock(bytes);
  assert.deepEqual(encodeBlock(back), bytes);
  assert.deepEqual(txHash(back.txs[0]!), txHash(fresh(tx)));
});
