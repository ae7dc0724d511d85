import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultEvReputationParams as params,
  readEvReputation,
  readGridAccount,
  readOrder,
  readSettlement,
  readWindowResult,
  tradeWithGrid,
  txId,
  walletAddress,
} from '@v2g/core';
import fc from 'fast-check';
import { grid, leags, testKey } from './fixtures.ts';
import { fund, MarketChain, marketGenesis } from './marketHarness.ts';

/**
 * Issue 10, gap 1: the grid never bought EV surplus, and its supply to unmet
 * demand was an off-chain figure. It is now the counterparty of last resort,
 * on chain, paid from and into the grid operator's account (decision 0010).
 */

const station = leags[0]!;
const meter = testKey('meter/grid-station');
const floorSeller = testKey('ev/grid-floor-seller');
const dearSeller = testKey('ev/grid-dear-seller');
const buyer = testKey('ev/grid-buyer');
const wallet = testKey('wallet/grid-buyer');
const RETAIL = 300;
const FEED_IN = 100;
const payout = (label: string) => walletAddress(testKey(`payout/grid-${label}`).publicKey);

function setup(gridFunds: number) {
  const chain = new MarketChain(marketGenesis(), { replicate: true });
  const funds = fund(chain, station, wallet, 2, 10_000 * RETAIL);
  chain.accept([
    chain.registerEv(floorSeller, station),
    chain.registerEv(dearSeller, station),
    chain.registerEv(buyer, station),
    chain.registerMeter(meter, station),
    ...[0, 1, 2, 3].map((w) => chain.tariff(w, RETAIL, FEED_IN)),
    funds.tx,
    ...(gridFunds > 0 ? chain.fundGrid(leags[1]!, gridFunds) : []),
  ]);
  return { chain, funds };
}

describe('the grid as counterparty', () => {
  test('unsold supply at the floor is bought by the grid at feed-in and paid from its account on metered delivery', () => {
    const { chain, funds } = setup(10_000_000);
    const floor = chain.sell(floorSeller, station, {
      window: 0,
      energyWh: 10_000,
      expectedPrice: 250,
      minPrice: FEED_IN,
      payout: payout('floor'),
    });
    const dear = chain.sell(dearSeller, station, {
      window: 0,
      energyWh: 5_000,
      expectedPrice: 290,
      minPrice: 280,
      payout: payout('dear'),
    });
    const bid = chain.buy(buyer, station, { window: 0, energyWh: 4_000, maxPrice: 200 }, funds.escrow(0));
    chain.accept([floor, dear, bid]);
    chain.until(chain.closeOf(0));

    const cleared = readWindowResult(chain.store, 0, station.publicKey)!;
    const price = cleared.price!;
    assert.deepEqual(
      [cleared.volumeWh, cleared.toGridWh, cleared.fromGridWh, cleared.gridReserved],
      [4_000, 6_000, 0, 6_000 * FEED_IN],
    );
    assert.equal(readOrder(chain.store, txId(floor))!.gridMatchedWh, 6_000);
    assert.equal(
      readOrder(chain.store, txId(dear))!.gridMatchedWh,
      0,
      'a seller asking above feed-in is not bought',
    );
    assert.deepEqual(readGridAccount(chain.store), { balance: 10_000_000 - 600_000, reserved: 600_000 });
    chain.assertConserved();

    chain.accept([chain.reading(meter, 0, floor, 10_000), chain.reading(meter, 0, bid, 4_000)]);
    chain.until(chain.closeOf(2));
    assert.equal(chain.balance(payout('floor')), 4_000 * price + 6_000 * FEED_IN);
    const settled = readWindowResult(chain.store, 0, station.publicKey)!;
    assert.deepEqual([settled.toGridDeliveredWh, settled.gridPaid], [6_000, 600_000]);
    assert.deepEqual(readGridAccount(chain.store), { balance: 10_000_000 - 600_000, reserved: 0 });
    const record = readSettlement(chain.store, 0, txId(floor))!;
    assert.deepEqual(
      [record.evWh, record.gridWh, record.gridAmount, record.success],
      [4_000, 6_000, 600_000, true],
    );
    assert.ok(readEvReputation(chain.store, floorSeller.publicKey)!.es > params.initialPpm);
    chain.assertConserved();
  });

  test('unmet demand bidding retail is supplied by the grid; the buyer pays retail for what it consumed, into the grid account', () => {
    const { chain, funds } = setup(0);
    const ask = chain.sell(dearSeller, station, {
      window: 0,
      energyWh: 3_000,
      expectedPrice: 150,
      minPrice: 150,
    });
    const bid = chain.buy(
      buyer,
      station,
      { window: 0, energyWh: 10_000, maxPrice: RETAIL, refund: payout('buyer') },
      funds.escrow(0),
    );
    chain.accept([ask, bid]);
    chain.until(chain.closeOf(0));
    const cleared = readWindowResult(chain.store, 0, station.publicKey)!;
    const price = cleared.price!;
    assert.deepEqual([cleared.volumeWh, cleared.fromGridWh, cleared.unmetWh], [3_000, 7_000, 0]);
    assert.equal(readOrder(chain.store, txId(bid))!.escrow, 3_000 * price + 7_000 * RETAIL);

    // The seller delivers; the buyer takes its 3 kWh from the seller and 5 of the 7 kWh from the grid.
    chain.accept([chain.reading(meter, 0, ask, 3_000), chain.reading(meter, 0, bid, 8_000)]);
    chain.until(chain.closeOf(2));
    const record = readSettlement(chain.store, 0, txId(bid))!;
    assert.deepEqual(
      [record.evWh, record.gridWh, record.charged, record.success],
      [3_000, 5_000, 3_000 * price + 5_000 * RETAIL, false],
    );
    assert.deepEqual(readGridAccount(chain.store), { balance: 5_000 * RETAIL, reserved: 0 });
    assert.equal(chain.balance(payout('buyer')), 10_000 * RETAIL - record.charged);
    assert.ok(
      readEvReputation(chain.store, buyer.publicKey)!.eb < params.initialPpm,
      'it did not take all it bought',
    );
    chain.assertConserved();
  });

  test('the grid buys only what its account can pay, and a seller who then delivers nothing fails without any EV buyer', () => {
    const { chain } = setup(3_000 * FEED_IN);
    const ask = chain.sell(floorSeller, station, {
      window: 0,
      energyWh: 5_000,
      expectedPrice: 200,
      minPrice: FEED_IN,
    });
    chain.accept([ask]);
    chain.until(chain.closeOf(0));
    assert.equal(readOrder(chain.store, txId(ask))!.gridMatchedWh, 3_000);
    assert.deepEqual(readGridAccount(chain.store), { balance: 0, reserved: 300_000 });
    chain.until(chain.closeOf(2));
    const rep = readEvReputation(chain.store, floorSeller.publicKey)!;
    assert.equal(rep.esFailCount, 1);
    assert.ok(params.initialPpm - rep.es >= params.lossMinPpm / 2);
    assert.deepEqual(
      readGridAccount(chain.store),
      { balance: 300_000, reserved: 0 },
      'the reserve comes back',
    );
    chain.assertConserved();
  });

  test('only the grid operator moves tokens in and out of its account, and never what clearing reserved', () => {
    const { chain } = setup(1_000_000);
    const out = (amount: number, signer = grid) =>
      chain.tx({ kind: 'grid-account', reference: chain.nextReference() }, [signer], {
        outputs: [{ address: walletAddress(grid.publicKey), amount }],
      });
    assert.equal(chain.refuse(out(1_000, station)), 'wrong-signer');
    chain.accept([
      chain.sell(floorSeller, station, { window: 1, energyWh: 5_000, expectedPrice: 200, minPrice: FEED_IN }),
    ]);
    chain.until(chain.closeOf(1));
    assert.deepEqual(readGridAccount(chain.store), { balance: 500_000, reserved: 500_000 });
    assert.equal(chain.refuse(out(500_001)), 'grid-short');
    chain.accept([out(500_000)]);
    assert.equal(readGridAccount(chain.store).balance, 0);
    chain.assertConserved();
  });
});

describe('grid trades (tradeWithGrid)', () => {
  const offerArb = fc.record({
    leftoverWh: fc.nat(50_000),
    minPrice: fc.integer({ min: 0, max: 400 }),
    reputationPpm: fc.nat(1_000_000),
    seq: fc.nat(1_000),
  });
  const needArb = fc.record({ leftoverWh: fc.nat(50_000), maxPrice: fc.integer({ min: 0, max: 400 }) });

  test('respects every limit and the budget, and takes whole offers by standing', () => {
    fc.assert(
      fc.property(
        fc.array(offerArb, { maxLength: 20 }),
        fc.array(needArb, { maxLength: 20 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.nat(5_000_000),
        (o, n, feedInPrice, spread, budget) => {
          const offers = o.map((x, i) => ({ ...x, id: `s${String(i).padStart(3, '0')}` }));
          const needs = n.map((x, i) => ({ ...x, id: `b${String(i).padStart(3, '0')}` }));
          const tariff = { feedInPrice, retailPrice: feedInPrice + spread };
          const t = tradeWithGrid(offers, needs, tariff, budget);
          for (const x of offers) {
            const wh = t.matched.get(x.id) ?? 0;
            assert.ok(wh <= x.leftoverWh);
            if (wh > 0) assert.ok(x.minPrice <= feedInPrice, 'no seller below its minimum');
          }
          for (const x of needs) {
            const wh = t.matched.get(x.id) ?? 0;
            if (x.maxPrice >= tariff.retailPrice)
              assert.equal(wh, x.leftoverWh, 'a buyer at retail is always served');
            else assert.equal(wh, 0, 'no buyer above its maximum');
          }
          assert.equal(t.cost, t.toGridWh * feedInPrice);
          if (feedInPrice > 0) assert.ok(t.cost <= budget);
          // Nothing affordable is left: if an eligible offer is short, the budget is spent to within one Wh.
          const short = offers.some(
            (x) => x.minPrice <= feedInPrice && (t.matched.get(x.id) ?? 0) < x.leftoverWh,
          );
          if (short) assert.ok(feedInPrice > 0 && budget - t.cost < feedInPrice);
        },
      ),
      { numRuns: 500 },
    );
  });
});
