import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultEvReputationParams as params,
  readEvReputation,
  readOrder,
  readWindowResult,
  txId,
} from '@v2g/core';
import { leags, testKey } from './fixtures.ts';
import { fund, MarketChain, marketGenesis } from './marketHarness.ts';

/**
 * Issue 10, gap 3, through real blocks: time counts in market windows, a
 * failure always costs at least F/2, and an EV that keeps failing is left out
 * of the auction in that role even for orders it placed while still trusted
 * (decision 0008).
 */

const station = leags[0]!;
const seller = testKey('ev/calibration-seller');
const buyer = testKey('ev/calibration-buyer');
const wallet = testKey('wallet/calibration-buyer');
const RETAIL = 300;

describe('reputation calibration on the chain', () => {
  test('a 1 kWh non-delivery 200 windows after registration still costs at least F/2', () => {
    const chain = new MarketChain(marketGenesis());
    const funds = fund(chain, station, wallet, 1, 1_000 * RETAIL);
    chain.accept([chain.registerEv(seller, station), chain.registerEv(buyer, station), funds.tx]);
    const w = 200;
    chain.until(chain.closeOf(w - 1));
    chain.accept([chain.tariff(w, RETAIL, 100)]);
    const ask = chain.sell(seller, station, {
      window: w,
      energyWh: 1_000,
      expectedPrice: 150,
      minPrice: 150,
    });
    const bid = chain.buy(buyer, station, { window: w, energyWh: 1_000, maxPrice: RETAIL }, funds.escrow(0));
    chain.accept([ask, bid]);
    chain.until(chain.closeOf(w));
    assert.equal(readOrder(chain.store, txId(ask))?.matchedWh, 1_000);
    chain.until(chain.closeOf(w + 2));
    const rep = readEvReputation(chain.store, seller.publicKey)!;
    assert.equal(rep.esFailCount, 1);
    const cost = params.initialPpm - rep.es;
    assert.ok(cost >= params.lossMinPpm / 2, `the failure cost ${cost} ppm`);
    assert.equal(rep.esLastDecreaseWindow, w + 2, 'the decrease is dated by the window that settled it');
  });

  test('an EV that keeps failing is left out of the auction in that role, even for orders placed while trusted', () => {
    const chain = new MarketChain(marketGenesis());
    const windows = 8;
    const funds = fund(chain, station, wallet, windows, 20_000 * RETAIL);
    chain.accept([
      chain.registerEv(seller, station),
      chain.registerEv(buyer, station),
      ...Array.from({ length: windows }, (_, w) => chain.tariff(w, RETAIL, 100)),
      funds.tx,
    ]);
    // Everything is ordered up front, while the seller is still trusted.
    const asks = Array.from({ length: windows }, (_, w) =>
      chain.sell(seller, station, { window: w, energyWh: 20_000, expectedPrice: 150, minPrice: 150 }),
    );
    const bids = Array.from({ length: windows }, (_, w) =>
      chain.buy(buyer, station, { window: w, energyWh: 20_000, maxPrice: RETAIL }, funds.escrow(w)),
    );
    chain.accept([...asks, ...bids]);
    const meter = testKey('meter/calibration');
    chain.accept([chain.registerMeter(meter, station)]);
    // The buyer takes what it is given; the seller never delivers.
    for (let w = 0; w < windows; w++) {
      chain.until(chain.closeOf(w));
      const bid = readOrder(chain.store, txId(bids[w]!))!;
      if (bid.matchedWh + bid.gridMatchedWh > 0) {
        chain.accept([chain.reading(meter, w, bids[w]!, 20_000)]);
      }
    }

    // Window w settles at the close of w + 2, before w + 2 clears: two 20 kWh failures
    // (windows 0 and 1) bring R_ES under R_min by the clearing of window 3.
    const matched = asks.map((_, w) => readWindowResult(chain.store, w, station.publicKey)!.volumeWh);
    assert.deepEqual(matched, [20_000, 20_000, 20_000, 0, 0, 0, 0, 0]);
    for (let w = 3; w < windows; w++) {
      assert.equal(readWindowResult(chain.store, w, station.publicKey)!.untrustedOrders, 1);
    }
    const rep = readEvReputation(chain.store, seller.publicKey)!;
    assert.ok(rep.es < params.rMinPpm);
    assert.ok(rep.eb >= params.rMinPpm, 'the buyer is not touched by the seller failing');
  });
});
