import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { DigestAccumulator, EMPTY_DIGEST, MemoryStateStore, sha256, utf8 } from '@v2g/core';
import fc from 'fast-check';

const reference = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

describe('sha256', () => {
  test('hashes the concatenation of its parts, as one incremental hash would', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 4 }), (parts) => {
        const d = sha256(...parts);
        assert.deepEqual(d, reference(...parts));
        // A plain Uint8Array that owns exactly its 32 bytes, not a Buffer or a view into a pool.
        assert.equal(Object.getPrototypeOf(d), Uint8Array.prototype);
        assert.equal(d.buffer.byteLength, 32);
      }),
    );
  });

  test('of nothing is the empty-string digest', () => {
    assert.equal(
      Buffer.from(sha256()).toString('hex'),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('state digest', () => {
  test('an entry hashes as H(len(key) ‖ key ‖ value) added modulo 2^256', () => {
    const key = 'utxo/ab:1';
    const value = utf8('value');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(key.length);
    const acc = new DigestAccumulator(EMPTY_DIGEST);
    acc.add(key, value);
    assert.deepEqual(acc.digest, reference(len, Buffer.from(key, 'latin1'), value));
    acc.remove(key, value);
    assert.deepEqual(acc.digest, EMPTY_DIGEST);
  });
});

const tiny = fc.constantFrom(...[[0], [1], [0x18, 0x2a], [0x19, 1, 0]].map((b) => new Uint8Array(b)));
const change = fc.tuple(
  fc.constantFrom('spent/', 'spent-at/7/', 'utxo/'),
  fc.nat(20),
  fc.option(fc.oneof(tiny, fc.uint8Array({ minLength: 17, maxLength: 40 })), { nil: null }),
);

describe('MemoryStateStore', () => {
  test('holds exactly what was written, whichever tiny values its entries share', () => {
    fc.assert(
      fc.property(fc.array(fc.array(change, { maxLength: 12 }), { maxLength: 8 }), (batches) => {
        const store = new MemoryStateStore();
        const model = new Map<string, Uint8Array>();
        for (const batch of batches) {
          const changes = new Map<string, Uint8Array | null>();
          for (const [bucket, leaf, value] of batch) {
            // A fresh copy each time: equal bytes arrive as different arrays, as decoded values do.
            changes.set(`${bucket}${leaf}`, value === null ? null : value.slice());
          }
          store.applySync(changes, EMPTY_DIGEST);
          for (const [k, v] of changes) {
            if (v === null) model.delete(k);
            else model.set(k, v.slice());
          }
        }
        assert.deepEqual(
          store.entries(),
          [...model].sort(([a], [b]) => (a < b ? -1 : 1)),
        );
        for (const [k, v] of model) assert.deepEqual(store.get(k), v);
      }),
    );
  });

  test('entries holding the same tiny value share one copy that owns its bytes', () => {
    const store = new MemoryStateStore();
    const big = new Uint8Array([9, 9, 0x19, 1, 0, 9]);
    store.applySync(
      new Map([
        ['spent/a:0', big.subarray(2, 5)],
        ['spent/b:0', new Uint8Array([0x19, 1, 0])],
      ]),
      EMPTY_DIGEST,
    );
    const a = store.get('spent/a:0')!;
    assert.equal(a, store.get('spent/b:0'));
    assert.deepEqual(a, new Uint8Array([0x19, 1, 0]));
    assert.equal(a.buffer.byteLength, 3);
  });
});
