import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { exceedsOneThird, isQuorum } from '../src/quorum.ts';

describe('weighted quorum', () => {
  test('a quorum is strictly more than two thirds of the total weight', () => {
    assert.equal(isQuorum(2, 3), false);
    assert.equal(isQuorum(3, 3), true);
    assert.equal(isQuorum(3, 4), true);
    assert.equal(isQuorum(200, 300), false);
    assert.equal(isQuorum(201, 300), true);
    assert.equal(isQuorum(666_666, 1_000_000), false);
    assert.equal(isQuorum(666_667, 1_000_000), true);
  });

  test('no quorum exists over zero total weight', () => {
    assert.equal(isQuorum(0, 0), false);
    assert.equal(exceedsOneThird(0, 0), false);
  });

  test('two quorums of one committee always share more than a third of its weight', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 64 }),
        fc.array(fc.boolean()),
        fc.array(fc.boolean()),
        (weights, a, b) => {
          const total = weights.reduce((s, w) => s + w, 0);
          const wa = weights.reduce((s, w, i) => s + (a[i] ? w : 0), 0);
          const wb = weights.reduce((s, w, i) => s + (b[i] ? w : 0), 0);
          const both = weights.reduce((s, w, i) => s + (a[i] && b[i] ? w : 0), 0);
          if (isQuorum(wa, total) && isQuorum(wb, total)) assert.ok(exceedsOneThird(both, total));
        },
      ),
    );
  });

  test('integer thresholds match exact rational comparison', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 30 }), fc.integer({ min: 1, max: 2 ** 30 }), (w, t) => {
        assert.equal(isQuorum(w, t), BigInt(w) * 3n > BigInt(t) * 2n);
        assert.equal(exceedsOneThird(w, t), BigInt(w) * 3n > BigInt(t));
      }),
    );
  });
});
