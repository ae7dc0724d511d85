import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compositeReputation,
  gainVolume,
  isUntrustedIn,
  lossVolume,
  defaultEvReputationParams as params,
  readEvReputation,
  readReputationHistory,
  reinstateEvReputation,
  reputationGain,
  reputationLoss,
  txId,
} from '@v2g/core';
import fc from 'fast-check';
import { leags, testKey } from './fixtures.ts';
import { MarketChain, marketGenesis } from './marketHarness.ts';
import { freshReputation, play, tradeArb } from './reputationFixtures.ts';

const RUNS = 500;
const PPM = 1_000_000;

const fresh = freshReputation(params);
const volume = fc.integer({ min: 1, max: 1_000_000_000 });
const windows = fc.integer({ min: 0, max: 10_000_000 });

describe('EV reputation curves', () => {
  test('R⁺ rises with the volume it counts and with the windows since the last decrease', () => {
    fc.assert(
      fc.property(volume, volume, windows, windows, (a, b, s, t) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const [early, late] = s <= t ? [s, t] : [t, s];
        assert.ok(reputationGain(lo, early, params) <= reputationGain(hi, early, params));
        assert.ok(reputationGain(lo, early, params) <= reputationGain(lo, late, params));
        assert.ok(reputationGain(hi, late, params) <= params.gainMaxPpm);
      }),
      { numRuns: RUNS },
    );
    assert.ok(reputationGain(100, 5, params) < reputationGain(100_000, 5, params));
    assert.ok(reputationGain(10_000, 0, params) < reputationGain(10_000, 1_000, params));
    assert.ok(reputationGain(10_000, 0, params) > 0, 'an honest trade right after a penalty still earns');
  });

  test('R⁻ rises with the failed volume it counts, falls with the windows since the last decrease, and never below F/2', () => {
    fc.assert(
      fc.property(volume, volume, windows, windows, (a, b, s, t) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const [early, late] = s <= t ? [s, t] : [t, s];
        assert.ok(reputationLoss(lo, early, params) <= reputationLoss(hi, early, params));
        assert.ok(reputationLoss(lo, early, params) >= reputationLoss(lo, late, params));
        assert.ok(reputationLoss(lo, late, params) >= params.lossMinPpm / 2);
        assert.ok(reputationLoss(hi, early, params) <= Math.max(params.lossMaxPpm, params.lossMinPpm));
      }),
      { numRuns: RUNS },
    );
    assert.ok(reputationLoss(20_000, 1, params) > reputationLoss(20_000, 1_000, params));
    assert.ok(reputationLoss(100_000, 5, params) > reputationLoss(1_000, 5, params));
  });

  test('a success counts at most its own volume, a failure at least its own', () => {
    fc.assert(
      fc.property(volume, fc.nat(1_000), volume, (wh, count, trade) => {
        const total = count === 0 ? 0 : wh;
        assert.ok(gainVolume(total, count, trade) <= trade);
        assert.ok(lossVolume(total, count, trade) >= trade);
      }),
      { numRuns: RUNS },
    );
    // "Volume over count" still moves them: a history of small trades lowers what a large one earns.
    assert.equal(gainVolume(10 * 1_000, 10, 20_000), Math.floor(30_000 / 11));
    assert.equal(lossVolume(0, 0, 500), 500);
    assert.equal(lossVolume(40_000, 2, 500), Math.floor(40_500 / 3));
  });
});

describe('EV reputation histories', () => {
  test('scores stay integers in [0, 1] and R is eq. 3.1 after every trade', () => {
    fc.assert(
      fc.property(fc.array(tradeArb, { maxLength: 60 }), (history) => {
        for (const rep of play(history).seen) {
          for (const x of [rep.r, rep.es, rep.eb]) assert.ok(Number.isInteger(x) && x >= 0 && x <= PPM);
          assert.equal(rep.r, compositeReputation(rep, params));
          assert.equal(rep.r, Math.floor((rep.es + rep.eb) / 2), 'ω_ES = ω_EB = 1');
        }
      }),
      { numRuns: 300 },
    );
  });

  test('once a role is below R_min, successes in it do not lift it: only reinstatement does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'seller' | 'buyer'>('seller', 'buyer'),
        fc.array(tradeArb, { maxLength: 30 }),
        fc.array(tradeArb, { maxLength: 20 }),
        (role, before, after) => {
          const failures = Array.from({ length: 12 }, () => ({ role, matchedWh: 50_000, share: 0, gap: 1 }));
          const honest = after.map((t) => ({ ...t, share: 1_000 }));
          const { seen } = play([...before, ...failures, ...honest]);
          const fallen = seen.findIndex((r) => isUntrustedIn(r, role, params));
          assert.ok(fallen >= 0);
          for (const rep of seen.slice(fallen)) assert.ok(isUntrustedIn(rep, role, params));
          const last = seen[seen.length - 1]!;
          const lifted = reinstateEvReputation(last, params);
          assert.ok(!isUntrustedIn(lifted, role, params));
          assert.equal(
            lifted.r,
            compositeReputation(lifted, params),
            'reinstatement recomputes R by eq. 3.1',
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test('new accounts start at 0.5, and R is the weighted mean of both roles', () => {
    assert.equal(compositeReputation(fresh, params), 500_000);
    assert.equal(compositeReputation({ es: 900_000, eb: 300_000 }, params), 600_000);
    assert.equal(
      compositeReputation({ es: 900_000, eb: 300_000 }, { ...params, weightSeller: 3, weightBuyer: 1 }),
      750_000,
    );
  });
});

describe('EV reputation on the chain', () => {
  test('an account whose deliveries fail falls below R_min as a seller and its later sell orders are refused', () => {
    const station = leags[0]!;
    const seller = testKey('ev/dishonest');
    const buyer = testKey('ev/patient');
    const wallet = testKey('wallet/patient');
    const chain = new MarketChain(marketGenesis());
    const funds = chain.deposit(station, wallet, 100_000_000);
    chain.accept([
      chain.registerEv(seller, station),
      chain.registerEv(buyer, station),
      ...[0, 1, 2, 3, 4, 5].map((w) => chain.tariff(w, 300, 100)),
      funds.tx,
    ]);
    const escrow = { wallet, outpoint: funds.outpoint, lock: 2 * 20_000 * 300, amount: funds.amount };
    const orders = [0, 1].flatMap((window) => [
      chain.sell(seller, station, { window, energyWh: 20_000, expectedPrice: 150, minPrice: 150 }),
    ]);
    // One buy order per window, funded from one deposit: the first spends it, the second its change.
    const bid0 = chain.buy(
      buyer,
      station,
      { window: 0, energyWh: 20_000, maxPrice: 300 },
      { ...escrow, lock: 20_000 * 300 },
    );
    chain.accept([...orders, bid0]);
    const change = { txId: txId(bid0), index: 0 };
    const bid1 = chain.buy(
      buyer,
      station,
      { window: 1, energyWh: 20_000, maxPrice: 300 },
      { wallet, outpoint: change, lock: 20_000 * 300, amount: funds.amount - 20_000 * 300 },
    );
    chain.accept([bid1]);
    // No meter ever confirms a delivery: both windows settle as failures.
    chain.until(chain.closeOf(3));

    const rep = readEvReputation(chain.store, seller.publicKey)!;
    assert.equal(rep.esFailCount, 2);
    const history = readReputationHistory(chain.store, seller.publicKey);
    assert.deepEqual(
      history.map((p) => p.window),
      [0, 1],
      'a point per window the account traded in, once settled',
    );
    assert.ok(history[0]!.es < params.initialPpm && history[1]!.es === rep.es && history[1]!.r === rep.r);
    assert.ok(isUntrustedIn(rep, 'seller', params), `R_ES ${rep.es} should be below R_min ${params.rMinPpm}`);
    const next = chain.sell(seller, station, {
      window: 4,
      energyWh: 1_000,
      expectedPrice: 150,
      minPrice: 150,
    });
    assert.equal(chain.refuse(next), 'untrusted');
  });
});
