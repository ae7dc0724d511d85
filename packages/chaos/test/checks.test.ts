import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateKeyPair, sha256, signVote, toHex } from '@v2g/core';
import type { ScannedChain, SeenVote } from '../src/chainScan.ts';
import {
  checkAcked,
  checkBlocksKept,
  checkCaughtUp,
  checkCertified,
  checkCommittedKept,
  checkEvidence,
  checkOneChain,
  findDoubleSigns,
} from '../src/checks.ts';
import { progressCheck } from '../src/report.ts';

const CHAIN = 'v2g-chaos';
const key = generateKeyPair();

function commitVote(height: number, round: number, block: string, where = 'leag-0@1'): SeenVote {
  const v = signVote(
    CHAIN,
    { type: 'commit', height, round, blockHash: sha256(new TextEncoder().encode(block)) },
    key,
  );
  return {
    voter: toHex(v.voter),
    type: 'commit',
    height,
    round,
    blockHash: toHex(v.blockHash!),
    signature: toHex(v.signature),
    where,
  };
}

function chain(leag: number, hashes: string[]): ScannedChain {
  return {
    leag,
    head: hashes.length,
    hashes: ['', ...hashes],
    txHeights: new Map(),
    votes: [],
    evidenceAgainst: new Set(),
    missing: [],
    uncertified: [],
  };
}

describe('auditor checks', () => {
  test('two commit votes of one LEAG for different blocks at one height and round are a double vote', () => {
    const found = findDoubleSigns([commitVote(5, 0, 'a'), commitVote(5, 0, 'b', 'leag-1@6')], CHAIN);
    assert.equal(found.doubleSigns.length, 1);
    assert.deepEqual(found.doubleSigns[0]!.where, ['leag-0@1', 'leag-1@6']);
  });

  test('the same vote seen in many certificates, or votes in different rounds, are not', () => {
    const found = findDoubleSigns(
      [commitVote(5, 0, 'a'), commitVote(5, 0, 'a'), commitVote(5, 1, 'b')],
      CHAIN,
    );
    assert.equal(found.doubleSigns.length, 0);
    assert.equal(found.badSignatures.length, 0);
  });

  test('a vote whose signature does not verify is reported, not counted', () => {
    const forged = { ...commitVote(5, 0, 'a'), blockHash: toHex(sha256(new TextEncoder().encode('z'))) };
    const found = findDoubleSigns([commitVote(5, 0, 'a'), forged], CHAIN);
    assert.equal(found.doubleSigns.length, 0);
    assert.equal(found.badSignatures.length, 1);
  });

  test('one chain fails on a height with two hashes, on LEAGs or in what was announced', () => {
    assert.equal(checkOneChain([chain(0, ['a', 'b']), chain(1, ['a', 'b'])], new Map()).passed, true);
    assert.deepEqual(checkOneChain([chain(0, ['a', 'b']), chain(1, ['a', 'c'])], new Map()).forks, [2]);
    const announced = new Map([[1, new Map([['x', new Set([2])]])]]);
    assert.deepEqual(checkOneChain([chain(0, ['a', 'b'])], announced).forks, [1]);
  });

  test('a block announced committed that no LEAG holds at the end is lost, and so are its transactions', () => {
    const final = chain(0, ['a', 'b']);
    final.txHeights.set('t1', 2);
    const announced = new Map([[3, new Map([['c', new Set([0])]])]]);
    assert.deepEqual(checkBlocksKept([final], announced).lost, [3]);
    const committed = new Map([
      ['t1', 2],
      ['t2', 3],
    ]);
    assert.deepEqual(checkCommittedKept(committed, [final]).lost, ['t2']);
  });

  test('a LEAG more than two heights behind, or silent, has not caught up', () => {
    assert.equal(checkCaughtUp([chain(0, ['a', 'b', 'c']), chain(1, ['a'])], 2).passed, true);
    assert.equal(checkCaughtUp([chain(0, ['a', 'b', 'c', 'd']), chain(1, ['a'])], 2).passed, false);
    assert.equal(checkCaughtUp([chain(0, ['a'])], 2).passed, false);
  });

  test('acknowledged transactions still pending or unknown fail the accounting; dropped ones do not', () => {
    const base = {
      acked: 3,
      committed: 2,
      dropped: 1,
      pending: 0,
      unaccounted: 0,
      unaccountedByKind: {},
      unaccountedByCause: {},
    };
    assert.equal(checkAcked(base).passed, true);
    assert.equal(checkAcked({ ...base, dropped: 0, unaccounted: 1 }).passed, false);
    assert.equal(checkAcked({ ...base, dropped: 0, pending: 1 }).passed, false);
  });

  test('an equivocator is caught only with evidence on chain and its reputation seen below R_min', () => {
    const name = (k: string) => k;
    const eq = new Set(['b']);
    const cut = new Map([['b', { minPpm: 100_000, belowAtMs: 5000 }]]);
    assert.equal(checkEvidence(eq, new Set(['b']), cut, 200_000, name).passed, true);
    assert.equal(checkEvidence(eq, new Set(), cut, 200_000, name).passed, false);
    const notCut = new Map([['b', { minPpm: 650_000, belowAtMs: null }]]);
    assert.equal(checkEvidence(eq, new Set(['b']), notCut, 200_000, name).passed, false);
    assert.equal(checkEvidence(eq, new Set(['b']), new Map(), 200_000, name).passed, false);
    assert.equal(checkEvidence(new Set(), new Set(), new Map(), 200_000, name).passed, true);
  });

  test('a LEAG holding a block its certificate does not sign accepted a forged block', () => {
    assert.equal(checkCertified([chain(0, ['a']), chain(1, ['a'])], []).passed, true);
    const forged = { ...chain(1, ['a', 'b']), uncertified: [2] };
    const c = checkCertified([chain(0, ['a', 'c']), forged], ['leag-2 served 9 forged blocks']);
    assert.equal(c.passed, false);
    assert.match(c.detail, /leag-1 at 2/);
  });

  test('a chain that never moved, or stopped with the faults, fails the progress check', () => {
    assert.equal(progressCheck(120, 140).passed, true);
    assert.equal(progressCheck(0, 0).passed, false);
    assert.equal(progressCheck(120, 120).passed, false);
  });
});
