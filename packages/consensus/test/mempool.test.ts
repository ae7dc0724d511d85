import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  encodeTx,
  type Genesis,
  genesisAllocationTxId,
  genesisState,
  keyPairFromSeed,
  MemoryStateStore,
  sha256,
  signTx,
  txId,
  utf8,
  walletAddress,
} from '@v2g/core';
import { Mempool } from '../src/chain/mempool.ts';

const key = (label: string) => keyPairFromSeed(sha256(utf8(label)));
const alice = key('alice');
const bob = key('bob');
const genesis: Genesis = {
  chainId: 'mempool-test',
  genesisTime: 0,
  raKey: key('ra').publicKey,
  gridOperatorKey: key('grid').publicKey,
  leags: [{ publicKey: key('leag').publicKey, name: 'leag', reputationPpm: 500_000 }],
  params: {
    consensus: defaultConsensusParams,
    market: defaultMarketParams,
    evReputation: defaultEvReputationParams,
  },
  allocations: [0, 1, 2].map(() => ({ address: walletAddress(alice.publicKey), amount: 100 })),
};

function state(): MemoryStateStore {
  const s = new MemoryStateStore();
  const g = genesisState(genesis);
  s.applySync(g.changes, g.digest);
  return s;
}

function pay(index: number, amount: number) {
  return signTx(
    {
      version: 1,
      chainId: genesis.chainId,
      inputs: [{ txId: genesisAllocationTxId(genesis), index }],
      outputs: [{ address: walletAddress(bob.publicKey), amount }],
      lockTime: 0,
      body: { kind: 'transfer' },
    },
    [alice],
  );
}

const options = { chainId: genesis.chainId, maxTxs: 2, maxBytes: 1 << 20, verifiedCacheSize: 100 };

describe('mempool', () => {
  test('admits a valid transaction once and refuses the duplicate', () => {
    const pool = new Mempool(options);
    const bytes = encodeTx(pay(0, 100));
    assert.equal(pool.addBytes(bytes, state(), 0).ok, true);
    const again = pool.addBytes(bytes, state(), 0);
    assert.equal(again.ok ? 'ok' : again.code, 'duplicate');
  });

  test('refuses a second pending spend of the same input as a double spend', () => {
    const pool = new Mempool(options);
    assert.equal(pool.addBytes(encodeTx(pay(0, 100)), state(), 0).ok, true);
    const r = pool.addBytes(encodeTx(pay(0, 50)), state(), 0);
    assert.equal(r.ok ? 'ok' : r.code, 'double-spend');
  });

  test('answers mempool-full when it holds its limit', () => {
    const pool = new Mempool(options);
    pool.addBytes(encodeTx(pay(0, 100)), state(), 0);
    pool.addBytes(encodeTx(pay(1, 100)), state(), 0);
    const r = pool.addBytes(encodeTx(pay(2, 100)), state(), 0);
    assert.equal(r.ok ? 'ok' : r.code, 'mempool-full');
  });

  test('refuses a bad signature and garbage bytes with their codes', () => {
    const pool = new Mempool(options);
    const tx = pay(0, 100);
    const forged = { ...tx, witnesses: [{ ...tx.witnesses[0]!, signature: new Uint8Array(64).fill(9) }] };
    const r1 = pool.addBytes(encodeTx(forged), state(), 0);
    assert.equal(r1.ok ? 'ok' : r1.code, 'bad-signature');
    const r2 = pool.addBytes(new Uint8Array([1, 2, 3]), state(), 0);
    assert.equal(r2.ok ? 'ok' : r2.code, 'malformed');
  });

  test('a committed block removes its transactions and the pending ones it conflicts with', () => {
    const pool = new Mempool({ ...options, maxTxs: 10 });
    const pending = pay(0, 100);
    assert.equal(pool.addBytes(encodeTx(pending), state(), 0).ok, true);
    assert.equal(pool.addBytes(encodeTx(pay(1, 100)), state(), 0).ok, true);
    const conflicting = pay(0, 99);
    pool.onCommit([conflicting], [txId(conflicting)]);
    assert.equal(pool.size, 1);
    assert.equal(pool.take(10)[0]!.tx.inputs[0]!.index, 1);
  });

  test('a pending transaction a commit made unspendable is reported dropped, with the code, so a client resubmits', () => {
    const pool = new Mempool({ ...options, maxTxs: 10 });
    const pending = pay(0, 100);
    pool.addBytes(encodeTx(pending), state(), 0);
    const id = Buffer.from(txId(pending)).toString('hex');
    assert.equal(pool.dropped(id), undefined);
    const conflicting = pay(0, 99);
    pool.onCommit([conflicting], [txId(conflicting)]);
    assert.equal(pool.hasId(id), false);
    assert.equal(pool.dropped(id)?.code, 'double-spend');
    // The committed one itself is not "dropped".
    assert.equal(pool.dropped(Buffer.from(txId(conflicting)).toString('hex')), undefined);
  });
});
