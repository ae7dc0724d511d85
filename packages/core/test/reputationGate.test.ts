import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultEvReputationParams as params,
  readEvReputation,
  readOrder,
  readWindowResult,
  type Tx,
  txId,
} from '@v2g/core';
import { leags, testKey } from './fixtures.ts';
import { type Funds, fund, MarketChain, marketGenesis } from './marketHarness.ts';

/**
 * Issue 10, gap 2: the reputation gate has a role loophole. An EV that fails
 * every sale but buys honestly kept selling, because only the composite R was
 * checked. Each role is now gated by its own score (decision 0008).
 */

const home = leags[0]!;
const away = leags[1]!;
const homeMeter = testKey('meter/gate-home');
const awayMeter = testKey('meter/gate-away');
const mixed = testKey('ev/fails-sales-buys-honestly');
const buyer = testKey('ev/gate-buyer');
const seller = testKey('ev/gate-seller');
const mixedWallet = testKey('wallet/gate-mixed');
const buyerWallet = testKey('wallet/gate-buyer');
const ENERGY = 20_000;
const RETAIL = 300;

interface Round {
  readonly sale: Tx;
  readonly saleBuyer: Tx;
  readonly purchase: Tx;
  readonly purchaseSeller: Tx;
}

function setup() {
  const chain = new MarketChain(marketGenesis());
  const mixedFunds = fund(chain, home, mixedWallet, 12, ENERGY * RETAIL);
  const buyerFunds = fund(chain, home, buyerWallet, 12, ENERGY * RETAIL);
  chain.accept([
    chain.registerEv(mixed, home),
    chain.registerEv(buyer, home),
    chain.registerEv(seller, home),
    chain.registerMeter(homeMeter, home),
    chain.registerMeter(awayMeter, away),
    ...Array.from({ length: 12 }, (_, w) => chain.tariff(w, RETAIL, 100)),
    mixedFunds.tx,
    buyerFunds.tx,
  ]);
  return { chain, mixedFunds, buyerFunds };
}

/**
 * Window w: the mixed EV sells at home (to an honest buyer) and buys away
 * (from an honest seller). Its sales are never delivered; everything else is.
 */
function round(chain: MarketChain, w: number, mixedFunds: Funds, buyerFunds: Funds): Round {
  const ask = { window: w, energyWh: ENERGY, expectedPrice: 150, minPrice: 150 };
  const bid = { window: w, energyWh: ENERGY, maxPrice: RETAIL };
  return {
    sale: chain.sell(mixed, home, ask),
    saleBuyer: chain.buy(buyer, home, bid, buyerFunds.escrow(w)),
    purchase: chain.buy(mixed, away, bid, mixedFunds.escrow(w)),
    purchaseSeller: chain.sell(seller, away, ask),
  };
}

function readings(chain: MarketChain, w: number, r: Round): Tx[] {
  return [
    chain.reading(homeMeter, w, r.saleBuyer, ENERGY),
    chain.reading(awayMeter, w, r.purchase, ENERGY),
    chain.reading(awayMeter, w, r.purchaseSeller, ENERGY),
  ];
}

describe('reputation gate per role', () => {
  test('an EV that fails every sale but buys honestly is refused as a seller and still accepted as a buyer', () => {
    const { chain, mixedFunds, buyerFunds } = setup();
    const rounds: Round[] = [];
    let w = 0;
    for (; w < 10; w++) {
      const rep = readEvReputation(chain.store, mixed.publicKey)!;
      if (rep.es < params.rMinPpm) break;
      const r = round(chain, w, mixedFunds, buyerFunds);
      const previous = rounds[w - 1];
      chain.accept([
        r.sale,
        r.saleBuyer,
        r.purchase,
        r.purchaseSeller,
        ...(previous ? readings(chain, w - 1, previous) : []),
      ]);
      rounds.push(r);
      chain.until(chain.closeOf(w));
      // Settlement runs before clearing at a window's close: once R_ES has fallen, the sale is left out.
      const matched = readWindowResult(chain.store, w, home.publicKey)?.volumeWh;
      const trusted = readEvReputation(chain.store, mixed.publicKey)!.es >= params.rMinPpm;
      assert.equal(matched, trusted ? ENERGY : 0);
    }
    const rep = readEvReputation(chain.store, mixed.publicKey)!;
    assert.ok(rep.es < params.rMinPpm, `R_ES ${rep.es} fell below R_min within ${w} windows`);
    assert.ok(rep.eb >= params.rMinPpm, `R_EB ${rep.eb} stays trusted`);
    assert.ok(rep.r >= params.rMinPpm, `the composite R ${rep.r} alone would not have caught it`);

    const next = round(chain, w, mixedFunds, buyerFunds);
    assert.equal(chain.refuse(next.sale), 'untrusted');
    chain.accept([next.purchase]);
  });

  test('an EV that buys and never takes delivery is refused as a buyer and still accepted as a seller', () => {
    const { chain, mixedFunds, buyerFunds } = setup();
    let w = 0;
    for (; w < 10; w++) {
      if (readEvReputation(chain.store, mixed.publicKey)!.eb < params.rMinPpm) break;
      const r = round(chain, w, mixedFunds, buyerFunds);
      chain.accept([r.purchase, r.purchaseSeller]);
      chain.until(chain.closeOf(w));
      // The seller delivers; the station's meter shows the EV took nothing.
      if (readOrder(chain.store, txId(r.purchaseSeller))!.matchedWh > 0) {
        chain.accept([chain.reading(awayMeter, w, r.purchaseSeller, ENERGY)]);
      }
    }
    const rep = readEvReputation(chain.store, mixed.publicKey)!;
    assert.ok(rep.eb < params.rMinPpm && rep.es >= params.rMinPpm);
    const next = round(chain, w, mixedFunds, buyerFunds);
    assert.equal(chain.refuse(next.purchase), 'untrusted');
    chain.accept([next.sale]);
  });
});
