import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compositeReputation,
  type EvReputation,
  type EvReputationParams,
  gainVolume,
  isUntrustedIn,
  lossVolume,
  defaultEvReputationParams as params,
  recordTrade,
  reputationGain,
  reputationLoss,
  roleScore,
  type TradeRole,
} from '@v2g/core';
import fc from 'fast-check';
import { evReputationParamsArb } from './arbitraries.ts';
import { freshReputation, outcome, play, type Trade, tradeArb } from './reputationFixtures.ts';

/**
 * The properties decision 0008 states, over random histories and, where they
 * hold for every valid genesis, random parameters that pass validateGenesis.
 */

const RUNS = 300;
const roleArb = fc.constantFrom<TradeRole>('seller', 'buyer');

/** Any reachable record: a random history played under `p` from random starting scores. */
const stateArb = (p: EvReputationParams) =>
  fc
    .record({
      es: fc.nat(1_000_000),
      eb: fc.nat(1_000_000),
      history: fc.array(tradeArb, { maxLength: 20 }),
    })
    .map(({ es, eb, history }) =>
      play(history, p, { ...freshReputation(p), es, eb, r: compositeReputation({ es, eb }, p) }),
    );

/** Settles `t` `gap` windows after the last trade of a played history. */
const settle = (rep: EvReputation, window: number, t: Trade, p: EvReputationParams) =>
  recordTrade(rep, outcome(t, window + t.gap), p);

/** The stated factor: for the same volume a loss is at least K times a gain. */
const factorOf = (p: EvReputationParams) =>
  p.gainMaxPpm === 0 ? 1 : Math.floor(p.lossMaxPpm / (2 * p.gainMaxPpm));

describe('reputation properties (decision 0008)', () => {
  test('a failed trade strictly lowers the score of its role, leaves the other alone, and never raises R', () => {
    fc.assert(
      fc.property(
        evReputationParamsArb.chain((p) => fc.tuple(fc.constant(p), stateArb(p), tradeArb)),
        fc.integer({ min: 0, max: 999 }),
        ([p, { rep, window }, t], share) => {
          const after = settle(rep, window, { ...t, share }, p);
          const other: TradeRole = t.role === 'seller' ? 'buyer' : 'seller';
          if (roleScore(rep, t.role) > 0) assert.ok(roleScore(after, t.role) < roleScore(rep, t.role));
          else assert.equal(roleScore(after, t.role), 0);
          assert.equal(roleScore(after, other), roleScore(rep, other));
          assert.ok(after.r <= rep.r);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('an honest trade never lowers R nor the score of its role', () => {
    fc.assert(
      fc.property(
        evReputationParamsArb.chain((p) => fc.tuple(fc.constant(p), stateArb(p), tradeArb)),
        ([p, { rep, window }, t]) => {
          const after = settle(rep, window, { ...t, share: 1_000 }, p);
          assert.ok(after.r >= rep.r, `R ${rep.r} → ${after.r}`);
          assert.ok(roleScore(after, t.role) >= roleScore(rep, t.role));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('losses outweigh gains for the same volume by ⌊L/(2G)⌋, whatever the histories and times (4 by default)', () => {
    assert.equal(factorOf(params), 4);
    const history = fc.record({ wh: fc.nat(1_000_000_000), count: fc.nat(10_000) });
    fc.assert(
      fc.property(
        evReputationParamsArb,
        history,
        history,
        fc.integer({ min: 1, max: 1_000_000_000 }),
        fc.nat(100_000),
        fc.nat(100_000),
        (p, won, lost, volume, tGain, tLoss) => {
          const gain = reputationGain(gainVolume(won.wh, won.count, volume), tGain, p);
          const loss = reputationLoss(lossVolume(lost.wh, lost.count, volume), tLoss, p);
          assert.ok(loss >= factorOf(p) * gain, `loss ${loss} < ${factorOf(p)} × gain ${gain}`);
          assert.ok(loss >= Math.floor(p.lossMinPpm / 2) && loss >= 1, 'a failure always costs');
        },
      ),
      { numRuns: 1_000 },
    );
  });

  test('an EV that fails every trade in a role is untrusted in it after ⌈(R_X − R_min + 1)/⌊F/2⌋⌉ failures', () => {
    fc.assert(
      fc.property(
        evReputationParamsArb.chain((p) =>
          fc.tuple(
            fc.constant(p),
            stateArb(p),
            roleArb,
            fc.array(tradeArb, { minLength: 60, maxLength: 60 }),
          ),
        ),
        ([p, { rep, window }, role, trades]) => {
          // With R_min = 0 nothing is ever below it.
          if (p.rMinPpm === 0) return;
          const start = roleScore(rep, role);
          const bound = Math.max(0, Math.ceil((start - p.rMinPpm + 1) / Math.floor(p.lossMinPpm / 2)));
          let r = rep;
          let w = window;
          let failures = 0;
          for (const t of trades) {
            if (failures >= bound) break;
            // Trades in the other role go as they will; every trade in this role fails.
            const played = t.role === role ? { ...t, share: Math.min(t.share, 999) } : t;
            w += t.gap;
            r = recordTrade(r, outcome(played, w), p);
            if (t.role === role) failures++;
          }
          if (failures >= bound) assert.ok(isUntrustedIn(r, role, p), `${role} score ${roleScore(r, role)}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('with the default parameters: 11 failures from any score, 5 from a new account; 6 and 3 failing in consecutive windows', () => {
    const cases = [
      { start: 1_000_000, maxGap: 10_000, bound: 11 },
      { start: params.initialPpm, maxGap: 10_000, bound: 5 },
      { start: 1_000_000, maxGap: 1, bound: 6 },
      { start: params.initialPpm, maxGap: 1, bound: 3 },
    ];
    for (const { start, maxGap, bound } of cases) {
      fc.assert(
        fc.property(
          roleArb,
          fc.nat(100_000),
          fc.array(fc.record({ wh: fc.integer({ min: 1, max: 1_000_000 }), gap: fc.nat(maxGap) }), {
            minLength: bound,
            maxLength: bound,
          }),
          (role, registeredAgo, failures) => {
            let rep = { ...freshReputation(params), es: start, eb: start };
            // The first failure may come long after registration; the rest at most maxGap windows apart.
            let w = registeredAgo;
            for (const [i, f] of failures.entries()) {
              w += i === 0 ? 0 : f.gap;
              rep = recordTrade(
                rep,
                { role, matchedWh: f.wh, meteredWh: 0, window: w, registeredWindow: 0 },
                params,
              );
            }
            assert.ok(isUntrustedIn(rep, role, params), `${role} at ${roleScore(rep, role)} after ${bound}`);
          },
        ),
        { numRuns: RUNS },
      );
    }
  });
});

describe('the cases issue 10 reported', () => {
  const sell20 = (rep: EvReputation, window: number, share: number) =>
    recordTrade(rep, outcome({ role: 'seller', matchedWh: 20_000, share, gap: 0 }, window), params);
  const buy = (rep: EvReputation, window: number, wh: number, share: number) =>
    recordTrade(rep, outcome({ role: 'buyer', matchedWh: wh, share, gap: 0 }, window), params);

  test('selling 20 kWh honestly, then buying 1 Wh honestly, does not lower R', () => {
    const sold = sell20(freshReputation(params), 1, 1_000);
    const bought = buy(sold, 2, 1, 1_000);
    assert.ok(sold.r > params.initialPpm);
    assert.ok(bought.r >= sold.r, `${sold.r} → ${bought.r}`);
  });

  test('a poor buyer that fails a sale does not raise R', () => {
    let rep = freshReputation(params);
    for (let w = 1; w <= 2; w++) rep = buy(rep, w, 20_000, 0);
    const failed = sell20(rep, 3, 0);
    assert.ok(failed.r < rep.r, `${rep.r} → ${failed.r}`);
  });

  test('a 1 kWh non-delivery six days (144 hourly windows) after the last decrease still costs at least F/2', () => {
    const rep = freshReputation(params);
    const after = recordTrade(
      rep,
      { role: 'seller', matchedWh: 1_000, meteredWh: 0, window: 144, registeredWindow: 0 },
      params,
    );
    assert.ok(rep.es - after.es >= params.lossMinPpm / 2, `cost ${rep.es - after.es}`);
  });

  test('a 20 kWh non-delivery right after registration costs more than four honest 20 kWh trades earn', () => {
    const fresh = freshReputation(params);
    const failed = sell20(fresh, 1, 0);
    const honest = sell20(fresh, 1_000, 1_000);
    assert.ok(fresh.es - failed.es >= 4 * (honest.es - fresh.es));
  });
});
