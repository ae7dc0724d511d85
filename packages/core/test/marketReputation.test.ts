import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compositeReputation,
  type EvReputation,
  isUntrusted,
  defaultEvReputationParams as params,
  readEvReputation,
  recordTrade,
  reinstateEvReputation,
  reputationGain,
  reputationLoss,
  type TradeOutcome,
  txId,
} from '@v2g/core';
import fc from 'fast-check';
import { leags, testKey } from './fixtures.ts';
import { MarketChain, marketGenesis } from './marketHarness.ts';

const RUNS = 500;
const PPM = 1_000_000;

const fresh: EvReputation = {
  r: params.initialPpm,
  es: params.initialPpm,
  eb: params.initialPpm,
  actedAsSeller: false,
  actedAsBuyer: false,
  esSuccessCount: 0,
  esSuccessWh: 0,
  esFailCount: 0,
  esFailWh: 0,
  esLastDecrease: 0,
  ebSuccessCount: 0,
  ebSuccessWh: 0,
  ebFailCount: 0,
  ebFailWh: 0,
  ebLastDecrease: 0,
};

const volume = fc.integer({ min: 1, max: 1_000_000_000 });
const blocks = fc.integer({ min: 0, max: 10_000_000 });

const tradeArb = fc.record({
  role: fc.constantFrom<'seller' | 'buyer'>('seller', 'buyer'),
  matchedWh: fc.integer({ min: 1, max: 100_000 }),
  /** Share delivered, permille; ≥ 1000 is a success. */
  share: fc.integer({ min: 0, max: 1_000 }),
  gap: fc.integer({ min: 0, max: 500 }),
});

/** Plays a history of trades from a fresh account; returns every intermediate reputation. */
function play(
  history: readonly { role: 'seller' | 'buyer'; matchedWh: number; share: number; gap: number }[],
) {
  let rep = fresh;
  let height = 1;
  const seen: EvReputation[] = [rep];
  for (const t of history) {
    height += t.gap;
    const outcome: TradeOutcome = {
      role: t.role,
      matchedWh: t.matchedWh,
      meteredWh: Math.floor((t.matchedWh * t.share) / 1_000),
      height,
      registeredAt: 1,
    };
    rep = recordTrade(rep, outcome, params);
    seen.push(rep);
  }
  return { rep, seen, height };
}

describe('EV reputation', () => {
  test('R⁺ rises with volume per successful trade', () => {
    fc.assert(
      fc.property(volume, volume, blocks, (a, b, t) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        assert.ok(reputationGain(lo, t, params) <= reputationGain(hi, t, params));
      }),
      { numRuns: RUNS },
    );
    assert.ok(reputationGain(100, 50, params) < reputationGain(100_000, 50, params));
  });

  test('R⁺ rises with the time since the last decrease', () => {
    fc.assert(
      fc.property(volume, blocks, blocks, (v, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        assert.ok(reputationGain(v, lo, params) <= reputationGain(v, hi, params));
      }),
      { numRuns: RUNS },
    );
    assert.ok(reputationGain(10_000, 0, params) < reputationGain(10_000, 1_000, params));
    assert.ok(reputationGain(10_000, 0, params) > 0, 'an honest trade right after a penalty still earns');
  });

  test('R⁻ rises with failed volume per failed trade', () => {
    fc.assert(
      fc.property(volume, volume, blocks, (a, b, t) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        assert.ok(reputationLoss(lo, t, params) <= reputationLoss(hi, t, params));
      }),
      { numRuns: RUNS },
    );
    assert.ok(reputationLoss(100, 10, params) < reputationLoss(100_000, 10, params));
  });

  test('R⁻ falls with the time since the last decrease: repeat offenders lose more', () => {
    fc.assert(
      fc.property(volume, blocks, blocks, (w, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        assert.ok(reputationLoss(w, lo, params) >= reputationLoss(w, hi, params));
      }),
      { numRuns: RUNS },
    );
    assert.ok(reputationLoss(10_000, 1, params) > reputationLoss(10_000, 1_000, params));
  });

  test('a larger successful trade raises R_ES at least as much; a larger failure lowers it at least as much', () => {
    fc.assert(
      fc.property(
        tradeArb,
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        (t, extra, h) => {
          const { rep, height } = play([t]);
          const at = height + h;
          const ok = (wh: number) =>
            recordTrade(
              rep,
              { role: 'seller', matchedWh: wh, meteredWh: wh, height: at, registeredAt: 1 },
              params,
            ).es;
          const fail = (wh: number) =>
            recordTrade(
              rep,
              { role: 'seller', matchedWh: wh, meteredWh: 0, height: at, registeredAt: 1 },
              params,
            ).es;
          assert.ok(ok(t.matchedWh) <= ok(t.matchedWh + extra));
          assert.ok(fail(t.matchedWh) >= fail(t.matchedWh + extra));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('the same failure costs less the longer ago the last decrease was (EB-2 on R_EB)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 1_000 }), (wh, wait) => {
        // One earlier failure at height 10 sets the last decrease.
        const { rep } = play([{ role: 'buyer', matchedWh: wh, share: 0, gap: 9 }]);
        assert.equal(rep.ebLastDecrease, 10);
        const fail = (height: number) =>
          recordTrade(rep, { role: 'buyer', matchedWh: wh, meteredWh: 0, height, registeredAt: 1 }, params);
        assert.ok(fail(11).eb <= fail(11 + wait).eb);
        assert.equal(fail(11).es, rep.es, 'a buyer failure leaves R_ES alone');
      }),
      { numRuns: RUNS },
    );
  });

  test('scores stay within [0, 1] and R is the weighted mean of the roles taken (eq. 3.1)', () => {
    fc.assert(
      fc.property(fc.array(tradeArb, { maxLength: 60 }), (history) => {
        for (const rep of play(history).seen) {
          for (const x of [rep.r, rep.es, rep.eb]) assert.ok(Number.isInteger(x) && x >= 0 && x <= PPM);
          if (!isUntrusted(rep, params)) assert.equal(rep.r, compositeReputation(rep, params));
          if (rep.actedAsSeller && !rep.actedAsBuyer) assert.equal(rep.r, rep.es);
          if (!rep.actedAsSeller) assert.equal(rep.r, rep.eb);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('once below R_min, successes do not lift an account: only reinstatement does', () => {
    fc.assert(
      fc.property(
        fc.array(tradeArb, { maxLength: 40 }),
        fc.array(tradeArb, { maxLength: 20 }),
        (before, after) => {
          // Drive the account under R_min with failures in both roles (eq. 3.1 averages them), then let it trade well.
          const failures = Array.from({ length: 24 }, (_, i) => ({
            role: i % 2 === 0 ? ('seller' as const) : ('buyer' as const),
            matchedWh: 50_000,
            share: 0,
            gap: 1,
          }));
          const honest = after.map((t) => ({ ...t, share: 1_000 }));
          const { seen } = play([...before, ...failures, ...honest]);
          const fallen = seen.findIndex((r) => isUntrusted(r, params));
          assert.ok(fallen >= 0);
          for (const rep of seen.slice(fallen)) assert.ok(isUntrusted(rep, params));
          const last = seen[seen.length - 1]!;
          assert.ok(!isUntrusted(reinstateEvReputation(last, params), params));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('new accounts start at 0.5 and buying-only accounts have R = R_EB', () => {
    assert.equal(compositeReputation(fresh, params), 500_000);
    assert.equal(compositeReputation({ ...fresh, eb: 300_000, actedAsBuyer: true }, params), 300_000);
    assert.equal(
      compositeReputation(
        { ...fresh, es: 900_000, eb: 300_000, actedAsBuyer: true, actedAsSeller: true },
        params,
      ),
      600_000,
    );
  });
});

describe('EV reputation on the chain', () => {
  test('an account whose deliveries fail falls below R_min and its later orders are refused', () => {
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
    assert.ok(isUntrusted(rep, params), `R ${rep.r} should be below R_min ${params.rMinPpm}`);
    const next = chain.sell(seller, station, {
      window: 4,
      energyWh: 1_000,
      expectedPrice: 150,
      minPrice: 150,
    });
    assert.equal(chain.refuse(next), 'untrusted');
  });
});
