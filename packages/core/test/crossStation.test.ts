import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CrossAsk,
  type CrossBid,
  clearAcrossStations,
  compareBytes,
  readGridAccount,
  readOrder,
  readSettlement,
  readWindowResult,
  txId,
  walletAddress,
} from '@v2g/core';
import fc from 'fast-check';
import { leags, testKey } from './fixtures.ts';
import { fund, MarketChain, marketGenesis } from './marketHarness.ts';

/**
 * Issue 10, gap 7: each station cleared alone, so a seller at one station
 * and a buyer at another never met. Leftovers now clear across stations in a
 * second stage under the tariff's wheeling fees (decision 0015).
 */

const RETAIL = 300;
const FEED_IN = 100;
const [home, away, far] = [leags[0]!, leags[1]!, leags[2]!];
const seller = testKey('ev/cross-seller');
const buyer = testKey('ev/cross-buyer');
const wallet = testKey('wallet/cross-buyer');
const sellerMeter = testKey('meter/cross-home');
const buyerMeter = testKey('meter/cross-away');
const payout = walletAddress(testKey('payout/cross').publicKey);
const refund = walletAddress(testKey('refund/cross').publicKey);

function setup(wheeling: { fee: number; pairs?: { a: Uint8Array; b: Uint8Array; fee: number }[] }) {
  const chain = new MarketChain(marketGenesis(), { replicate: true });
  const funds = fund(chain, home, wallet, 1, 10_000 * RETAIL);
  chain.accept([
    chain.registerEv(seller, home),
    chain.registerEv(buyer, away),
    chain.registerMeter(sellerMeter, home),
    chain.registerMeter(buyerMeter, away),
    chain.tariff(0, RETAIL, FEED_IN, wheeling),
    funds.tx,
  ]);
  const ask = chain.sell(seller, home, {
    window: 0,
    energyWh: 10_000,
    expectedPrice: 200,
    minPrice: 150,
    payout,
  });
  const bid = chain.buy(buyer, away, { window: 0, energyWh: 8_000, maxPrice: 250, refund }, funds.escrow(0));
  chain.accept([ask, bid]);
  chain.until(chain.closeOf(0));
  return { chain, ask, bid };
}

describe('trading across stations', () => {
  test('a seller at one station and a buyer at another trade, metered at both ends, the fee to the grid', () => {
    const { chain, ask, bid } = setup({ fee: 20 });
    // floor 150, limit 250, fee 20: surplus 80, so the seller gets 190 and the buyer pays 210 per Wh.
    assert.deepEqual(
      [readOrder(chain.store, txId(ask))!.crossMatchedWh, readOrder(chain.store, txId(bid))!.crossMatchedWh],
      [8_000, 8_000],
    );
    const out = readWindowResult(chain.store, 0, home.publicKey)!;
    const inn = readWindowResult(chain.store, 0, away.publicKey)!;
    assert.deepEqual(
      [out.volumeWh, out.crossOutWh, inn.crossInWh, inn.wheelingFees],
      [0, 8_000, 8_000, 8_000 * 20],
    );
    assert.equal(readOrder(chain.store, txId(bid))!.escrow, 8_000 * 210, 'the rest of the escrow went back');

    // Each end's own meter: the seller delivered 6 kWh, the buyer drew 6 kWh.
    chain.accept([chain.reading(sellerMeter, 0, ask, 6_000), chain.reading(buyerMeter, 0, bid, 6_000)]);
    chain.until(chain.closeOf(2));
    assert.equal(chain.balance(payout), 6_000 * 190);
    assert.equal(chain.balance(refund), 10_000 * RETAIL - 6_000 * 210);
    const sold = readSettlement(chain.store, 0, txId(ask))!;
    const bought = readSettlement(chain.store, 0, txId(bid))!;
    assert.deepEqual([sold.crossWh, sold.crossAmount, sold.success], [6_000, 6_000 * 190, false]);
    assert.deepEqual([bought.crossWh, bought.crossAmount, bought.shortfallWh], [6_000, 6_000 * 210, 2_000]);
    assert.deepEqual(readGridAccount(chain.store), { balance: 6_000 * 20, reserved: 0 });
    const settled = readWindowResult(chain.store, 0, away.publicKey)!;
    assert.deepEqual([settled.crossInDeliveredWh, settled.wheelingPaid], [6_000, 6_000 * 20]);
    chain.assertConserved();
  });

  test("a pair's listed fee overrides the default, and a fee beyond the buyer's limit stops the trade", () => {
    const [a, b] = [home.publicKey, away.publicKey].sort(compareBytes) as [Uint8Array, Uint8Array];
    const cheap = setup({ fee: 500, pairs: [{ a, b, fee: 0 }] });
    assert.equal(readOrder(cheap.chain.store, txId(cheap.bid))!.crossMatchedWh, 8_000);
    const dear = setup({ fee: 101 });
    assert.equal(readOrder(dear.chain.store, txId(dear.bid))!.crossMatchedWh, 0, '150 + 101 > 250');
  });

  test('refuses a tariff whose wheeling pairs are not in canonical order', () => {
    const chain = new MarketChain(marketGenesis());
    const [a, b, c] = [home, away, far].map((k) => k.publicKey).sort(compareBytes) as Uint8Array[];
    const bad = [
      [{ a: b!, b: a!, fee: 1 }],
      [{ a: a!, b: a!, fee: 1 }],
      [
        { a: a!, b: c!, fee: 1 },
        { a: a!, b: b!, fee: 1 },
      ],
      [
        { a: a!, b: b!, fee: 1 },
        { a: a!, b: b!, fee: 2 },
      ],
    ];
    for (const pairs of bad)
      assert.equal(chain.refuse(chain.tariff(0, RETAIL, FEED_IN, { fee: 1, pairs })), 'invalid-tariff');
  });
});

describe('cross-station clearing (clearAcrossStations)', () => {
  const stationArb = fc.constantFrom('aa', 'bb', 'cc', 'dd');
  const askArb = fc.record({
    station: stationArb,
    leftoverWh: fc.nat(20_000),
    floor: fc.integer({ min: 100, max: 300 }),
    reputationPpm: fc.nat(1_000_000),
    seq: fc.nat(100),
  });
  const bidArb = fc.record({
    station: stationArb,
    leftoverWh: fc.nat(20_000),
    limit: fc.integer({ min: 100, max: 300 }),
    reputationPpm: fc.nat(1_000_000),
    seq: fc.nat(100),
  });
  const feesArb = fc.dictionary(
    fc.constantFrom('aa:bb', 'aa:cc', 'aa:dd', 'bb:cc', 'bb:dd', 'cc:dd'),
    fc.nat(80),
  );
  const book = fc.record({
    asks: fc.array(askArb, { maxLength: 15 }),
    bids: fc.array(bidArb, { maxLength: 15 }),
    fees: feesArb,
    defaultFee: fc.nat(80),
  });
  const named = <T>(xs: T[], p: string) =>
    xs.map((x, i) => ({ ...x, id: `${p}${String(i).padStart(2, '0')}` }));

  test('bounds, conservation, no seller below its floor, no buyer above its limit with the fee, no feasible pair left', () => {
    fc.assert(
      fc.property(book, ({ asks: a, bids: b, fees, defaultFee }) => {
        const asks: CrossAsk[] = named(a, 's');
        const bids: CrossBid[] = named(b, 'b');
        const feeOf = (x: string, y: string) => fees[x < y ? `${x}:${y}` : `${y}:${x}`] ?? defaultFee;
        const matches = clearAcrossStations(asks, bids, feeOf);
        const sold = new Map<string, number>();
        const bought = new Map<string, number>();
        for (const m of matches) {
          const ask = asks.find((x) => x.id === m.askId)!;
          const bid = bids.find((x) => x.id === m.bidId)!;
          assert.notEqual(ask.station, bid.station, 'only across stations');
          assert.equal(m.fee, feeOf(ask.station, bid.station));
          assert.ok(m.energyWh > 0);
          assert.ok(m.price >= ask.floor, 'no seller below its floor');
          assert.ok(m.price + m.fee <= bid.limit, 'no buyer above its limit, fee included');
          sold.set(ask.id, (sold.get(ask.id) ?? 0) + m.energyWh);
          bought.set(bid.id, (bought.get(bid.id) ?? 0) + m.energyWh);
        }
        for (const x of asks) assert.ok((sold.get(x.id) ?? 0) <= x.leftoverWh);
        for (const x of bids) assert.ok((bought.get(x.id) ?? 0) <= x.leftoverWh);
        const total = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
        assert.equal(total(sold), total(bought), 'energy sold = energy bought');
        // No pair with energy left on both sides could still trade.
        for (const x of asks) {
          if ((sold.get(x.id) ?? 0) >= x.leftoverWh) continue;
          for (const y of bids) {
            if ((bought.get(y.id) ?? 0) >= y.leftoverWh || x.station === y.station) continue;
            assert.ok(
              x.floor + feeOf(x.station, y.station) > y.limit,
              `${x.id} and ${y.id} could still trade`,
            );
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  test('the result does not depend on the order the book comes in', () => {
    fc.assert(
      fc.property(book, fc.nat(), ({ asks: a, bids: b, fees, defaultFee }, seed) => {
        const asks = named(a, 's');
        const bids = named(b, 'b');
        const feeOf = (x: string, y: string) => fees[x < y ? `${x}:${y}` : `${y}:${x}`] ?? defaultFee;
        const shuffle = <T>(xs: T[]) =>
          xs
            .map((x, i) => ({ x, k: (i * 7919 + seed) % 104729 }))
            .sort((p, q) => p.k - q.k)
            .map((p) => p.x);
        assert.deepEqual(
          clearAcrossStations(shuffle(asks), shuffle(bids), feeOf),
          clearAcrossStations(asks, bids, feeOf),
        );
      }),
      { numRuns: 300 },
    );
  });
});
