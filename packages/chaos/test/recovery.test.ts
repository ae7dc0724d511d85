import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecoveryTracker } from '../src/recovery.ts';

const heal = (atMs: number, what = 'heal') => ({ atMs, what, heal: true });
const fault = (atMs: number, what = 'fault') => ({ atMs, what, heal: false });

describe('recovery windows', () => {
  test('a stall after a heal lasts until the next new height', () => {
    const r = new RecoveryTracker();
    r.block(10, 0);
    r.action(fault(1000), false);
    r.action(heal(5000), true);
    r.block(10, 6000);
    r.block(11, 17_000);
    assert.equal(r.stalls.length, 1);
    assert.equal(r.stalls[0]!.afterHealMs, 12_000);
    assert.equal(r.stalls[0]!.endedBy, 'block');
  });

  test('a tolerated fault opens the window; the bound counts from the later heal', () => {
    const r = new RecoveryTracker();
    r.block(1, 0);
    r.action(fault(1000, 'kill leader'), true);
    r.action(heal(4000, 'restart leader'), true);
    r.block(2, 9000);
    assert.equal(r.stalls[0]!.ms, 8000);
    assert.equal(r.stalls[0]!.afterHealMs, 5000);
    assert.deepEqual(
      r.stalls[0]!.causes.map((c) => c.what),
      ['kill leader', 'restart leader'],
    );
  });

  test('losing quorum again ends the window, and the run end ends an open one', () => {
    const r = new RecoveryTracker();
    r.action(heal(0), true);
    r.action(fault(15_000), false);
    r.action(heal(20_000), true);
    r.end(21_000);
    assert.deepEqual(
      r.stalls.map((s) => [s.endedBy, s.afterHealMs]),
      [
        ['quorum-lost', 15_000],
        ['end', 1000],
      ],
    );
  });

  test('the longest gap between new heights names what happened in it', () => {
    const r = new RecoveryTracker();
    r.block(1, 0);
    r.block(2, 200);
    r.action(fault(300, 'partition'), false);
    r.action(heal(2000, 'heal'), true);
    r.block(3, 30_000);
    assert.equal(r.longestGap!.ms, 29_800);
    assert.deepEqual(
      r.longestGap!.causes.map((c) => c.what),
      ['partition', 'heal'],
    );
  });
});

describe('stalls with quorum up', () => {
  test('a stall that starts after the first block following a fault still counts', () => {
    const r = new RecoveryTracker();
    r.action(heal(0, 'start'), true);
    r.block(1, 1000);
    r.action(fault(2000, 'partition leader'), true);
    r.block(2, 2100);
    r.block(3, 16_100);
    assert.equal(r.longestQuorumGap!.ms, 14_000);
    assert.deepEqual(
      r.longestQuorumGap!.recent.map((c) => c.what),
      ['start', 'partition leader'],
    );
  });

  test('time without quorum does not count', () => {
    const r = new RecoveryTracker();
    r.action(heal(0), true);
    r.block(1, 500);
    r.action(fault(1000), false);
    r.action(heal(30_000), true);
    r.block(2, 32_000);
    assert.equal(r.longestQuorumGap!.ms, 2000);
  });
});
