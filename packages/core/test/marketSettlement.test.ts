import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  readGridAccount,
  readOrder,
  readSettlement,
  readWindowResult,
  type Tx,
  txId,
  walletAddress,
} from '@v2g/core';
import fc from 'fast-check';
import { leags, testKey } from './fixtures.ts';
import { MarketChain, marketGenesis } from './marketHarness.ts';

const stations = [leags[0]!, leags[1]!];
const meters = stations.map((_, i) => testKey(`meter/conservation-${i}`));
const evs = Array.from({ length: 12 }, (_, i) => i).map((i) => ({
  account: testKey(`ev/conservation-${i}`),
  wallet: testKey(`wallet/conservation-${i}`),
  address: walletAddress(testKey(`payout/conservation-${i}`).publicKey),
}));

const orderArb = fc.record({
  side: fc.constantFrom('sell', 'buy', 'sell', 'buy', 'idle'),
  // Most orders at one station in one window, so books are deep enough to trade.
  station: fc.constantFrom(0, 0, 0, 1),
  window: fc.constantFrom(0, 0, 1),
  energyWh: fc.integer({ min: 1, max: 20_000 }),
  /** Where in [feed-in, retail] the prices sit, in permille of the spread. */
  low: fc.integer({ min: 0, max: 1_000 }),
  high: fc.integer({ min: 0, max: 1_000 }),
  /** Extra escrow beyond energy × maximum price. */
  extraEscrow: fc.integer({ min: 0, max: 50_000 }),
  /** What the meter reports, in permille of the matched energy; null: no reading. */
  reading: fc.option(fc.integer({ min: 0, max: 1_200 }), { nil: null }),
});

const scenarioArb = fc.record({
  feedIn: fc.integer({ min: 1, max: 100 }),
  spread: fc.integer({ min: 0, max: 200 }),
  /** The grid account's funds: from nothing to more than it could ever spend. */
  gridFunds: fc.constantFrom(0, 50_000, 10_000_000),
  /** The wheeling fee between the two stations, per Wh. */
  wheelingFee: fc.nat(60),
  orders: fc.array(orderArb, { minLength: 4, maxLength: evs.length }),
});

describe('market settlement', () => {
  test('tokens are conserved through escrow, clearing, settlement and refunds, and every node agrees', () => {
    fc.assert(
      fc.property(scenarioArb, ({ feedIn, spread, gridFunds, wheelingFee, orders }) => {
        const retail = feedIn + spread;
        const chain = new MarketChain(marketGenesis({ concessionSteps: 5 }), { replicate: true });
        const conserved = () => chain.assertConserved();
        const at = (permille: number) => feedIn + Math.floor((spread * permille) / 1_000);

        const deposits = orders.map((_, i) => chain.deposit(stations[0]!, evs[i]!.wallet, 10_000_000));
        chain.accept([
          ...orders.map((o, i) => chain.registerEv(evs[i]!.account, stations[o.station]!)),
          ...meters.map((m, i) => chain.registerMeter(m, stations[i]!)),
          chain.tariff(0, retail, feedIn, { fee: wheelingFee }),
          chain.tariff(1, retail, feedIn, { fee: wheelingFee }),
          ...deposits.map((d) => d.tx),
          ...(gridFunds > 0 ? chain.fundGrid(stations[1]!, gridFunds) : []),
        ]);
        conserved();

        const placed: { tx: Tx; i: number }[] = [];
        orders.forEach((o, i) => {
          const ev = evs[i]!;
          const terms = { window: o.window, energyWh: o.energyWh };
          if (o.side === 'sell') {
            const [min, expected] = [at(Math.min(o.low, o.high)), at(Math.max(o.low, o.high))];
            placed.push({
              tx: chain.sell(ev.account, stations[o.station]!, {
                ...terms,
                expectedPrice: expected,
                minPrice: min,
                payout: ev.address,
              }),
              i,
            });
          } else if (o.side === 'buy') {
            const maxPrice = at(o.high);
            const lock = o.energyWh * maxPrice + o.extraEscrow;
            const d = deposits[i]!;
            placed.push({
              tx: chain.buy(
                ev.account,
                stations[o.station]!,
                { ...terms, maxPrice, refund: ev.address },
                { wallet: ev.wallet, outpoint: d.outpoint, lock, amount: d.amount },
              ),
              i,
            });
          }
        });
        chain.accept(placed.map((p) => p.tx));
        conserved();

        const escrowOf = new Map(placed.map((p) => [p.i, readOrder(chain.store, txId(p.tx))!.escrow]));
        for (const window of [0, 1]) {
          chain.until(chain.closeOf(window));
          conserved();
          const readings: Tx[] = [];
          for (const p of placed) {
            const order = readOrder(chain.store, txId(p.tx))!;
            const reading = orders[p.i]!.reading;
            const total = order.matchedWh + order.crossMatchedWh + order.gridMatchedWh;
            if (order.window !== window || total === 0 || reading === null) continue;
            const meter = meters[orders[p.i]!.station]!;
            readings.push(chain.reading(meter, window, p.tx, Math.floor((total * reading) / 1_000)));
          }
          chain.accept(readings);
        }
        // Remember what each order matched before settlement prunes it.
        const matched = new Map(placed.map((p) => [p.i, readOrder(chain.store, txId(p.tx))!]));
        chain.until(chain.closeOf(3));
        conserved();
        assert.equal(chain.escrowTotal(), 0, 'every escrow is released');
        assert.equal(readGridAccount(chain.store).reserved, 0, 'every grid reserve is paid out or returned');

        // A seller's reading goes to its match here (at the price), then across stations (at no less than
        // its minimum), then to the grid (at feed-in); a buyer pays no more than its maximum per Wh received.
        for (const p of placed) {
          const order = matched.get(p.i)!;
          const got = chain.balance(evs[p.i]!.address);
          const price = readWindowResult(chain.store, order.window, order.leag)!.price ?? 0;
          const s = readSettlement(chain.store, order.window, txId(p.tx))!;
          if (order.side === 'sell') {
            const reading = order.meteredWh ?? 0;
            const here = Math.min(reading, order.matchedWh);
            const across = Math.min(reading - here, order.crossMatchedWh);
            const toGrid = Math.min(reading - here - across, order.gridMatchedWh);
            assert.deepEqual([s.evWh, s.crossWh, s.gridWh], [here, across, toGrid]);
            assert.equal(got, here * price + s.crossAmount + toGrid * feedIn);
            assert.ok(s.crossAmount >= across * order.minPrice && s.crossAmount <= across * retail);
            if (order.gridMatchedWh > 0)
              assert.equal(order.minPrice, feedIn, 'the grid buys only at the floor');
          } else {
            const escrow = escrowOf.get(p.i)!;
            assert.equal(got, escrow - s.charged);
            assert.ok(
              s.charged <= (s.evWh + s.crossWh + s.gridWh) * order.maxPrice,
              'no buyer above its maximum',
            );
            if (order.gridMatchedWh > 0)
              assert.equal(order.maxPrice, retail, 'the grid supplies only at retail');
          }
        }
        for (const window of [0, 1]) {
          for (const leag of stations) {
            const r = readWindowResult(chain.store, window, leag.publicKey);
            if (!r) continue;
            assert.equal(r.settled, true);
            assert.equal(r.paid, r.deliveredWh * (r.price ?? 0));
            assert.equal(r.deliveredWh + r.shortfallWh, r.volumeWh);
            assert.equal(r.gridPaid, r.toGridDeliveredWh * r.feedInPrice);
            assert.equal(r.gridReceived, r.fromGridDeliveredWh * r.retailPrice);
            assert.ok(r.gridReserved === r.toGridWh * r.feedInPrice && r.toGridDeliveredWh <= r.toGridWh);
            assert.equal(r.volumeWh + r.crossInWh + r.fromGridWh + r.unmetWh, r.demandWh);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  test('the window result on the chain does not depend on the order the orders were submitted in', () => {
    const bookArb = fc.array(
      fc.record({
        sell: fc.boolean(),
        energyWh: fc.integer({ min: 1, max: 20_000 }),
        price: fc.integer({ min: 100, max: 300 }),
        concession: fc.integer({ min: 0, max: 100 }),
      }),
      { minLength: 2, maxLength: evs.length },
    );
    fc.assert(
      fc.property(bookArb, fc.integer({ min: 1, max: 1_000 }), (book, seed) => {
        const run = (permute: boolean) => {
          const chain = new MarketChain(marketGenesis());
          const deposits = book.map((_, i) => chain.deposit(stations[0]!, evs[i]!.wallet, 10_000_000));
          chain.accept([
            ...book.map((_, i) => chain.registerEv(evs[i]!.account, stations[0]!)),
            chain.tariff(0, 300, 100),
            ...deposits.map((d) => d.tx),
          ]);
          const txs = book.map((o, i) =>
            o.sell
              ? chain.sell(evs[i]!.account, stations[0]!, {
                  window: 0,
                  energyWh: o.energyWh,
                  expectedPrice: o.price,
                  minPrice: Math.max(100, o.price - o.concession),
                  payout: evs[i]!.address,
                })
              : chain.buy(
                  evs[i]!.account,
                  stations[0]!,
                  { window: 0, energyWh: o.energyWh, maxPrice: o.price, refund: evs[i]!.address },
                  {
                    wallet: evs[i]!.wallet,
                    outpoint: deposits[i]!.outpoint,
                    lock: o.energyWh * o.price,
                    amount: 10_000_000,
                  },
                ),
          );
          // A different arrival order: rotated, and each half reversed.
          const k = seed % txs.length;
          chain.accept(permute ? [...txs.slice(k).reverse(), ...txs.slice(0, k).reverse()] : txs);
          chain.until(chain.closeOf(0));
          const { price, low, high, step, volumeWh, supplyWh, demandWh } = readWindowResult(
            chain.store,
            0,
            stations[0]!.publicKey,
          )!;
          return { price, low, high, step, volumeWh, supplyWh, demandWh };
        };
        assert.deepEqual(run(true), run(false));
      }),
      { numRuns: 20 },
    );
  });
});
