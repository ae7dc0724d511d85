import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeCbor, MAX_TX_BYTES } from '@v2g/core';
import fc from 'fast-check';
import {
  decodeGossipTxBatch,
  decodeSyncRequest,
  decodeSyncResponse,
  decodeTxBatch,
  encodeGossipTxBatch,
  encodeSyncRequest,
  encodeSyncResponse,
  encodeTxBatch,
  gossipTopic,
} from '../src/network/index.ts';
import { TxBatcher } from '../src/network/txBatcher.ts';

const tx = fc.uint8Array({ minLength: 1, maxLength: 300 });

describe('tx batch encoding', () => {
  it('round-trips any non-empty list of transactions', () => {
    fc.assert(
      fc.property(fc.array(tx, { minLength: 1, maxLength: 50 }), (txs) => {
        assert.deepEqual(decodeTxBatch(encodeTxBatch(txs), 1 << 20), txs);
      }),
    );
  });

  it('on the gossip topic, the same transactions in two batches are different bytes (gossip deduplicates by bytes)', () => {
    const txs = [new Uint8Array([1, 2, 3])];
    const a = encodeGossipTxBatch(7, txs);
    const b = encodeGossipTxBatch(8, txs);
    assert.notDeepEqual(a, b);
    assert.deepEqual(decodeGossipTxBatch(a, 1 << 20), txs);
    assert.throws(() => decodeGossipTxBatch(encodeTxBatch(txs), 1 << 20), 'a batch without its sequence');
    assert.throws(() => decodeGossipTxBatch(encodeCbor([-1, txs]), 1 << 20));
  });

  it('rejects empty, non-list, non-bytes, oversized and non-canonical batches', () => {
    assert.throws(() => decodeTxBatch(encodeTxBatch([]), 1 << 20));
    assert.throws(() => decodeTxBatch(encodeCbor(5), 1 << 20));
    assert.throws(() => decodeTxBatch(encodeCbor(['text']), 1 << 20));
    assert.throws(() => decodeTxBatch(encodeTxBatch([new Uint8Array(MAX_TX_BYTES + 1)]), 1 << 20));
    assert.throws(() => decodeTxBatch(encodeTxBatch([new Uint8Array(100)]), 50));
    // 0x81 list of one, 0x59 two-byte length 0x0001: a non-minimal length head.
    assert.throws(() => decodeTxBatch(new Uint8Array([0x81, 0x59, 0x00, 0x01, 0xaa]), 1 << 20));
  });
});

describe('tx batcher', () => {
  it('flushes at the byte threshold, never exceeding it, and keeps order', () => {
    const batches: Uint8Array[][] = [];
    const sizes: number[] = [];
    const batcher = new TxBatcher({ maxDelayMs: 60_000, maxBytes: 1000 }, (b) => {
      sizes.push(b.length);
      batches.push(decodeGossipTxBatch(b, 1 << 20));
    });
    const txs = Array.from({ length: 30 }, (_, i) => new Uint8Array(97).fill(i));
    for (const t of txs) batcher.add(t);
    batcher.flush();
    assert.deepEqual(batches.flat(), txs);
    for (const size of sizes) assert.ok(size <= 1000, `a batch of ${size} bytes`);
    assert.ok(batches.length >= 3 && batches.length <= 4);
  });

  it('flushes a partial batch after the delay', async () => {
    const batches: number[] = [];
    const batcher = new TxBatcher({ maxDelayMs: 20, maxBytes: 1 << 20 }, (_b, count) => batches.push(count));
    batcher.add(new Uint8Array([1]));
    batcher.add(new Uint8Array([2]));
    assert.deepEqual(batches, []);
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(batches, [2]);
  });
});

describe('sync messages', () => {
  it('round-trip requests and responses', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const request = { from: Math.min(a, b), to: Math.max(a, b) };
        assert.deepEqual(decodeSyncRequest(encodeSyncRequest(request)), request);
      }),
    );
    fc.assert(
      fc.property(fc.array(tx, { maxLength: 20 }), (blocks) => {
        assert.deepEqual(decodeSyncResponse(encodeSyncResponse({ status: 'ok', blocks }), 1 << 20), {
          status: 'ok',
          blocks,
        });
      }),
    );
    assert.deepEqual(decodeSyncResponse(encodeSyncResponse({ status: 'error', reason: 'busy' }), 1 << 20), {
      status: 'error',
      reason: 'busy',
    });
  });

  it('rejects malformed requests and responses', () => {
    assert.throws(() => decodeSyncRequest(encodeCbor([5, 4])));
    assert.throws(() => decodeSyncRequest(encodeCbor([-1, 4])));
    assert.throws(() => decodeSyncRequest(encodeCbor([1, 2, 3])));
    assert.throws(() => decodeSyncRequest(new Uint8Array(100)));
    assert.throws(() => decodeSyncResponse(encodeCbor([2, []]), 1 << 20));
    assert.throws(() => decodeSyncResponse(encodeCbor([0, ['x']]), 1 << 20));
    assert.throws(() => decodeSyncResponse(encodeCbor([0, [new Uint8Array(10)]]), 5));
  });

  it('names topics after the chain', () => {
    assert.equal(gossipTopic('v2g-main', 'consensus'), '/v2g/v2g-main/consensus/1');
  });
});
