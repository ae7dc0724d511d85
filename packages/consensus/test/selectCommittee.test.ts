import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareBytes, defaultConsensusParams, type LeagRecord, toHex } from '@v2g/core';
import fc from 'fast-check';
import { leaderOf } from '../src/leader.ts';
import { type Committee, selectCommitteeFrom } from '../src/selectCommittee.ts';
import { keys } from './fixtures.ts';

const leag = (i: number, reputationPpm: number): LeagRecord => ({
  publicKey: keys[i]!.publicKey,
  name: `leag-${i}`,
  reputationPpm,
  registeredAt: 0,
});
const params = (committeeSize: number) => ({ ...defaultConsensusParams, committeeSize });
const ids = (c: Committee) => c.members.map((m) => toHex(m.publicKey));

function committee(records: LeagRecord[], k: number): Committee {
  const s = selectCommitteeFrom(records, params(k));
  if (!s.ok) throw new Error(s.reason);
  return s.committee;
}

describe('selectCommittee', () => {
  test('takes the top k by reputation, weights equal to reputation', () => {
    const c = committee([leag(0, 300_000), leag(1, 900_000), leag(2, 600_000), leag(3, 700_000)], 2);
    assert.deepEqual(ids(c), [toHex(keys[1]!.publicKey), toHex(keys[3]!.publicKey)]);
    assert.deepEqual(
      c.members.map((m) => m.weight),
      [900_000, 700_000],
    );
    assert.equal(c.totalWeight, 1_600_000);
  });

  test('breaks reputation ties by public key ascending', () => {
    const c = committee(
      [0, 1, 2, 3].map((i) => leag(i, 500_000)),
      3,
    );
    const sorted = [...keys].sort((a, b) => compareBytes(a.publicKey, b.publicKey)).slice(0, 3);
    assert.deepEqual(
      ids(c),
      sorted.map((k) => toHex(k.publicKey)),
    );
  });

  test('k larger than the eligible set, or 0, takes every eligible LEAG', () => {
    const records = [leag(0, 500_000), leag(1, 100_000), leag(2, 500_000)];
    assert.equal(committee(records, 10).members.length, 2);
    assert.equal(committee(records, 0).members.length, 2);
  });

  test('a LEAG exactly at R_min is eligible, one ppm below is not', () => {
    const rMin = defaultConsensusParams.rMinPpm;
    const c = committee([leag(0, rMin), leag(1, rMin - 1), leag(2, 800_000)], 0);
    assert.equal(c.members.length, 2);
    assert.ok(!ids(c).includes(toHex(keys[1]!.publicKey)));
  });

  test('with no LEAG at or above R_min the chain halts and says why', () => {
    const s = selectCommitteeFrom([leag(0, 10), leag(1, 199_999)], params(0));
    assert.equal(s.ok, false);
    assert.match(s.ok ? '' : s.reason, /R_min/);
  });

  test('with zero total weight the chain halts rather than accept empty certificates', () => {
    const s = selectCommitteeFrom([leag(0, 0)], { ...params(0), rMinPpm: 0 });
    assert.equal(s.ok, false);
  });

  test('the selection does not depend on the order LEAGs are listed in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer(),
        (reps, k, shift) => {
          const records = reps.map((r, i) => leag(i, r));
          const rotated = records.map((_, i) => records[(i + Math.abs(shift)) % records.length]!);
          const a = selectCommitteeFrom(records, params(k));
          const b = selectCommitteeFrom(rotated.reverse(), params(k));
          assert.deepEqual(a, b);
        },
      ),
    );
  });
});

describe('leaderOf', () => {
  const c = committee([leag(0, 400_000), leag(1, 900_000), leag(2, 600_000), leag(3, 700_000)], 0);

  test("under 'top' the highest reputation leads round 0 and the next ones follow, wrapping", () => {
    const order = [1, 3, 2, 0].map((i) => toHex(keys[i]!.publicKey));
    for (let r = 0; r < 9; r++) assert.equal(toHex(leaderOf(c, 7, r, 'top').publicKey), order[r % 4]);
  });

  test("under 'weighted-rotation' leaders are deterministic members, chosen roughly by weight", () => {
    const counts = new Map<string, number>();
    for (let h = 1; h <= 4000; h++) {
      const a = leaderOf(c, h, 0, 'weighted-rotation');
      assert.equal(a, leaderOf(c, h, 0, 'weighted-rotation'));
      const id = toHex(a.publicKey);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const share = (i: number) => (counts.get(toHex(keys[i]!.publicKey)) ?? 0) / 4000;
    // 900k of 2.6M is 34.6%; 400k is 15.4%.
    assert.ok(Math.abs(share(1) - 0.346) < 0.04, `share ${share(1)}`);
    assert.ok(Math.abs(share(0) - 0.154) < 0.04, `share ${share(0)}`);
  });
});
