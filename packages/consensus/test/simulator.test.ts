import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simulate } from '../src/sim/simulate.ts';

describe('simulator', () => {
  test('30 seeds of faults and one Byzantine LEAG of four: agreement, valid certificates, no honest double-sign, liveness after healing', () => {
    const failures: string[] = [];
    let blocks = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const r = simulate({ seed });
      blocks += r.minHeight;
      for (const v of r.violations) failures.push(`seed ${seed}: ${v}`);
    }
    assert.deepEqual(failures, []);
    assert.ok(blocks > 30 * 20, `only ${blocks} blocks`);
  });

  test('a committee of 4 among 7 LEAGs with weighted leader rotation stays safe and live', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = simulate({ seed, nodes: 7, committee: 4, leaderPolicy: 'weighted-rotation' });
      assert.deepEqual(r.violations, [], `seed ${seed}`);
    }
  });

  test('an equivocating voter is caught by evidence and leaves the committee', () => {
    const r = simulate({ seed: 7, behaviours: ['equivocate-voter'], crashes: false, partitions: false });
    assert.deepEqual(r.violations, []);
    assert.ok(r.evidenceCommitted >= 1);
  });

  test('a run is a pure function of its seed', () => {
    assert.deepEqual(simulate({ seed: 11 }), simulate({ seed: 11 }));
  });

  test('with one third or more Byzantine weight only safety is promised, and it holds', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const r = simulate({
        seed,
        nodes: 4,
        byzantine: 2,
        behaviours: ['equivocate-voter', 'equivocate-leader'],
      });
      assert.deepEqual(
        r.violations.filter((v) => !v.startsWith('liveness')),
        [],
        `seed ${seed}`,
      );
    }
  });
});
