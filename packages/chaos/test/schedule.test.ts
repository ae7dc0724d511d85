import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FAULT_KINDS, makeSchedule, quorumCount } from '../src/schedule.ts';

describe('fault schedule', () => {
  test('the same seed replays the same schedule', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (seed, quick) => {
        const o = { seed, leags: 4, durationMs: 600_000, quick };
        assert.deepEqual(makeSchedule(o), makeSchedule(o));
      }),
      { numRuns: 30 },
    );
  });

  test('--quick covers every fault kind but the long outage, in under two and a half minutes', () => {
    const s = makeSchedule({ seed: 1, leags: 4, durationMs: 0, quick: true });
    const kinds = new Set(s.episodes.map((e) => e.kind));
    assert.deepEqual([...kinds].sort(), FAULT_KINDS.filter((k) => k !== 'long-outage').sort());
    assert.ok(s.durationMs < 150_000, `${s.durationMs} ms`);
  });

  test('a soak fits its duration and uses every kind', () => {
    const s = makeSchedule({ seed: 7, leags: 4, durationMs: 1_800_000, quick: false });
    assert.ok(s.actions.every((a) => a.atMs <= 1_800_000));
    assert.deepEqual(new Set(s.episodes.map((e) => e.kind)), new Set(FAULT_KINDS));
    // Issue 12's soak: at least 200 fault events in 30 minutes, every kind several times.
    assert.ok(s.actions.length >= 200, `${s.actions.length} actions`);
    for (const kind of FAULT_KINDS.filter((k) => k !== 'late-start')) {
      assert.ok(s.episodes.filter((e) => e.kind === kind).length >= 5, kind);
    }
  });

  test('actions are in time order and every killed LEAG is started again within its episode', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 4, max: 7 }), (seed, leags) => {
        const s = makeSchedule({ seed, leags, durationMs: 300_000, quick: false });
        for (let i = 1; i < s.actions.length; i++) assert.ok(s.actions[i - 1]!.atMs <= s.actions[i]!.atMs);
        for (const e of s.episodes) {
          const acts = s.actions.filter((a) => a.episode === e.id).map((a) => a.action);
          const killed = new Set<unknown>();
          for (const a of acts) {
            if (a.type === 'kill' || a.type === 'power-cut') killed.add(a.leag);
            if (a.type === 'kill-all' || a.type === 'power-cut-all')
              for (let i = 0; i < leags; i++) killed.add(i);
            if (a.type === 'start') killed.delete(a.leag);
          }
          assert.equal(killed.size, 0, `episode ${e.id} (${e.kind}) leaves ${[...killed]} down`);
        }
      }),
      { numRuns: 30 },
    );
  });

  test('a restart without quorum takes down just enough LEAGs that the rest lack quorum', () => {
    for (const leags of [4, 5, 7, 10]) {
      const s = makeSchedule({ seed: 3, leags, durationMs: 900_000, quick: false });
      const e = s.episodes.find((x) => x.kind === 'restart-without-quorum')!;
      const kills = s.actions.filter((a) => a.episode === e.id && a.action.type === 'kill').length;
      assert.ok(leags - kills < quorumCount(leags), 'the rest lack quorum');
      assert.ok(leags - kills + 1 >= quorumCount(leags), 'one restart brings quorum back');
    }
  });
});
