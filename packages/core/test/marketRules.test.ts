import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultEvReputationParams,
  Keys,
  readEvReputation,
  readOrder,
  readSettlement,
  readWindowOrders,
  readWindowResult,
  readWindowResults,
  settlementTxId,
  txId,
  walletAddress,
} from '@v2g/core';
import { leags, testKey } from './fixtures.ts';
import { MarketChain, marketGenesis } from './marketHarness.ts';

const station = leags[0]!;
const otherStation = leags[1]!;
const meter = testKey('meter/station-0');
const foreignMeter = testKey('meter/station-1');
const seller = testKey('ev/seller');
const buyer = testKey('ev/buyer');
const stranger = testKey('ev/unregistered');
const buyerWallet = testKey('wallet/buyer');
const RETAIL = 300;
const FEED_IN = 100;

/** Height 1: two EVs, a meter per station, tariffs for windows 0..7, and tokens for the buyer. */
function setup() {
  const chain = new MarketChain(marketGenesis(), { replicate: true });
  const funds = chain.deposit(station, buyerWallet, 10_000_000);
  chain.accept([
    chain.registerEv(seller, station),
    chain.registerEv(buyer, station),
    chain.registerMeter(meter, station),
    chain.registerMeter(foreignMeter, otherStation),
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((w) => chain.tariff(w, RETAIL, FEED_IN)),
    funds.tx,
  ]);
  const escrow = (lock: number) => ({
    wallet: buyerWallet,
    outpoint: funds.outpoint,
    lock,
    amount: funds.amount,
  });
  return { chain, escrow };
}

describe('market orders', () => {
  test('accepts orders, clears them at the window close, and stores per-order and per-station results', () => {
    const { chain, escrow } = setup();
    const ask = chain.sell(seller, station, {
      window: 0,
      energyWh: 1_000,
      expectedPrice: 250,
      minPrice: 150,
    });
    const bid = chain.buy(buyer, station, { window: 0, energyWh: 600, maxPrice: 200 }, escrow(150_000));
    chain.accept([ask, bid]);
    assert.equal(readOrder(chain.store, txId(bid))?.escrow, 150_000);
    assert.equal(readOrder(chain.store, txId(ask))?.cleared, false);
    chain.until(chain.closeOf(0));

    const sold = readOrder(chain.store, txId(ask));
    const bought = readOrder(chain.store, txId(bid));
    assert.equal(sold?.matchedWh, 600);
    assert.equal(bought?.matchedWh, 600);
    const result = readWindowResult(chain.store, 0, station.publicKey);
    assert.ok(result?.price !== null && result?.price !== undefined);
    assert.ok(result.price >= 150 && result.price <= 200);
    assert.equal(sold?.price, result.price);
    assert.equal(result.volumeWh, 600);
    assert.equal(result.supplyWh, 1_000);
    assert.equal(result.unmetWh, 0);
    assert.equal(result.retailPrice, RETAIL);
    assert.deepEqual(readWindowResults(chain.store, 0), [result]);
    const listed = readWindowOrders(chain.store, 0);
    assert.deepEqual(
      listed.map((o) => Buffer.from(o.id).toString('hex')),
      [txId(ask), txId(bid)].map((id) => Buffer.from(id).toString('hex')).sort(),
    );
    assert.ok(listed.every((o) => o.order.matchedWh === 600));
  });

  test('settles at the deadline: the seller is paid for delivered energy, the buyer refunded the rest of its escrow', () => {
    const { chain, escrow } = setup();
    const payout = walletAddress(testKey('payout/1').publicKey);
    const refund = walletAddress(testKey('refund/1').publicKey);
    const ask = chain.sell(seller, station, {
      window: 0,
      energyWh: 1_000,
      expectedPrice: 150,
      minPrice: 150,
      payout,
    });
    const bid = chain.buy(
      buyer,
      station,
      { window: 0, energyWh: 600, maxPrice: 200, refund },
      escrow(150_000),
    );
    chain.accept([ask, bid]);
    chain.until(chain.closeOf(0));
    const price = readWindowResult(chain.store, 0, station.publicKey)!.price!;
    assert.equal(
      chain.balance(refund),
      150_000 - 600 * price,
      'escrow the match cannot need returns at clearing',
    );
    assert.equal(readOrder(chain.store, txId(bid))?.escrow, 600 * price);
    chain.accept([chain.reading(meter, 0, ask, 600), chain.reading(meter, 0, bid, 600)]);
    chain.until(chain.closeOf(2) - 1);
    assert.equal(chain.balance(payout), 0, 'nothing is paid before the deadline');

    chain.block();
    assert.equal(chain.balance(payout), 600 * price);
    assert.equal(chain.balance(refund), 150_000 - 600 * price);
    assert.equal(readOrder(chain.store, txId(ask)), undefined, 'settled orders are pruned');
    assert.equal(chain.has(Keys.windowOrder(0, txId(bid))), false);
    assert.ok(chain.has(Keys.utxo(settlementTxId(txId(ask)), 0)));
    const result = readWindowResult(chain.store, 0, station.publicKey)!;
    assert.equal(result.settled, true);
    assert.equal(result.deliveredWh, 600);
    assert.equal(result.shortfallWh, 0);
    assert.equal(result.paid, 600 * price);
    assert.equal(chain.utxoTotal() + chain.escrowTotal(), chain.supply);
    assert.ok(readEvReputation(chain.store, seller.publicKey)!.es > defaultEvReputationParams.initialPpm);
    assert.ok(readEvReputation(chain.store, buyer.publicKey)!.eb > defaultEvReputationParams.initialPpm);
  });

  test('a short delivery pays only what was delivered, records the shortfall, and lowers R_ES', () => {
    const { chain, escrow } = setup();
    const payout = walletAddress(testKey('payout/2').publicKey);
    const refund = walletAddress(testKey('refund/2').publicKey);
    const ask = chain.sell(seller, station, {
      window: 0,
      energyWh: 600,
      expectedPrice: 200,
      minPrice: 200,
      payout,
    });
    const bid = chain.buy(
      buyer,
      station,
      { window: 0, energyWh: 600, maxPrice: 200, refund },
      escrow(120_000),
    );
    chain.accept([ask, bid]);
    chain.until(chain.closeOf(0));
    chain.accept([chain.reading(meter, 0, ask, 250), chain.reading(meter, 0, bid, 600)]);
    chain.until(chain.closeOf(2));
    assert.equal(chain.balance(payout), 250 * 200);
    assert.equal(chain.balance(refund), 120_000 - 250 * 200);
    const result = readWindowResult(chain.store, 0, station.publicKey)!;
    assert.equal(result.shortfallWh, 350);
    const sold = readSettlement(chain.store, 0, txId(ask))!;
    assert.deepEqual(
      { evWh: sold.evWh, amount: sold.amount, success: sold.success, meteredWh: sold.meteredWh },
      { evWh: 250, amount: 250 * 200, success: false, meteredWh: 250 },
    );
    const bought = readSettlement(chain.store, 0, txId(bid))!;
    assert.deepEqual(
      {
        evWh: bought.evWh,
        charged: bought.charged,
        amount: bought.amount,
        shortfallWh: bought.shortfallWh,
        success: bought.success,
      },
      { evWh: 250, charged: 250 * 200, amount: 120_000 - 250 * 200, shortfallWh: 350, success: true },
    );
    const rep = readEvReputation(chain.store, seller.publicKey)!;
    assert.ok(rep.es < defaultEvReputationParams.initialPpm);
    assert.equal(rep.esFailCount, 1);
    assert.equal(rep.esFailWh, 350);
    assert.equal(rep.r, Math.floor((rep.es + rep.eb) / 2), 'R counts both roles (eq. 3.1 with χ = 1)');
  });

  test('a missing reading counts as a failure: no payment, a full refund, and both reputations fall', () => {
    const { chain, escrow } = setup();
    const refund = walletAddress(testKey('refund/3').publicKey);
    const ask = chain.sell(seller, station, { window: 0, energyWh: 600, expectedPrice: 200, minPrice: 200 });
    const bid = chain.buy(
      buyer,
      station,
      { window: 0, energyWh: 600, maxPrice: 200, refund },
      escrow(120_000),
    );
    chain.accept([ask, bid]);
    chain.until(chain.closeOf(2));
    assert.equal(chain.balance(refund), 120_000);
    assert.ok(readEvReputation(chain.store, seller.publicKey)!.es < defaultEvReputationParams.initialPpm);
    assert.ok(readEvReputation(chain.store, buyer.publicKey)!.eb < defaultEvReputationParams.initialPpm);
  });

  test('an unmatched buyer bidding below retail gets its escrow back at clearing and is not supplied by the grid', () => {
    const { chain, escrow } = setup();
    const refund = walletAddress(testKey('refund/4').publicKey);
    chain.accept([
      chain.sell(seller, station, { window: 0, energyWh: 600, expectedPrice: 250, minPrice: 250 }),
      chain.buy(buyer, station, { window: 0, energyWh: 500, maxPrice: 200, refund }, escrow(100_000)),
    ]);
    chain.until(chain.closeOf(0));
    const result = readWindowResult(chain.store, 0, station.publicKey)!;
    assert.equal(result.price, null);
    assert.equal(result.unmetWh, 500, 'its bid is below retail, so the grid does not supply it');
    assert.equal(result.released, 100_000);
    assert.equal(chain.balance(refund), 100_000);
    chain.until(chain.closeOf(2));
    assert.equal(chain.balance(refund), 100_000);
    assert.equal(readEvReputation(chain.store, buyer.publicKey)!.eb, defaultEvReputationParams.initialPpm);
  });

  test('clears each station separately', () => {
    const { chain, escrow } = setup();
    chain.accept([
      chain.sell(seller, otherStation, { window: 0, energyWh: 600, expectedPrice: 150, minPrice: 150 }),
      chain.buy(buyer, station, { window: 0, energyWh: 500, maxPrice: 200 }, escrow(100_000)),
    ]);
    chain.until(chain.closeOf(0));
    assert.equal(readWindowResult(chain.store, 0, station.publicKey)?.volumeWh, 0);
    assert.equal(readWindowResult(chain.store, 0, otherStation.publicKey)?.volumeWh, 0);
    assert.equal(readWindowResults(chain.store, 0).length, 2);
  });
});

describe('market order refusals', () => {
  test('refuses an order for a window that has closed', () => {
    const { chain } = setup();
    chain.until(chain.closeOf(0));
    assert.equal(
      chain.refuse(
        chain.sell(seller, station, { window: 0, energyWh: 1, expectedPrice: 200, minPrice: 150 }),
      ),
      'window-closed',
    );
  });

  test('accepts an order in the closing block of its window', () => {
    const { chain } = setup();
    chain.until(chain.closeOf(0) - 1);
    chain.accept([
      chain.sell(seller, station, { window: 0, energyWh: 1, expectedPrice: 200, minPrice: 150 }),
    ]);
  });

  test('refuses an order for a window without a tariff', () => {
    const { chain } = setup();
    assert.equal(
      chain.refuse(
        chain.sell(seller, station, { window: 9, energyWh: 1, expectedPrice: 200, minPrice: 150 }),
      ),
      'no-tariff',
    );
  });

  test('refuses a sell order below the feed-in price', () => {
    const { chain } = setup();
    const tx = chain.sell(seller, station, {
      window: 0,
      energyWh: 1,
      expectedPrice: 200,
      minPrice: FEED_IN - 1,
    });
    assert.equal(chain.refuse(tx), 'price-out-of-bounds');
  });

  test('refuses a sell order whose minimum is above its expected price', () => {
    const { chain } = setup();
    const tx = chain.sell(seller, station, { window: 0, energyWh: 1, expectedPrice: 150, minPrice: 200 });
    assert.equal(chain.refuse(tx), 'price-out-of-bounds');
  });

  test('refuses a buy order above the retail price', () => {
    const { chain, escrow } = setup();
    const tx = chain.buy(
      buyer,
      station,
      { window: 0, energyWh: 10, maxPrice: RETAIL + 1 },
      escrow(10 * (RETAIL + 1)),
    );
    assert.equal(chain.refuse(tx), 'price-out-of-bounds');
  });

  test('refuses a buy order whose escrow does not cover energy × maximum price', () => {
    const { chain, escrow } = setup();
    const tx = chain.buy(buyer, station, { window: 0, energyWh: 10, maxPrice: 200 }, escrow(1_999));
    assert.equal(chain.refuse(tx), 'escrow-short');
  });

  test('refuses the same order twice', () => {
    const { chain } = setup();
    const tx = chain.sell(seller, station, { window: 1, energyWh: 5, expectedPrice: 200, minPrice: 150 });
    chain.accept([tx]);
    assert.equal(chain.refuse(tx), 'duplicate');
  });

  test('refuses an order from an unregistered account', () => {
    const { chain } = setup();
    const tx = chain.sell(stranger, station, { window: 0, energyWh: 5, expectedPrice: 200, minPrice: 150 });
    assert.equal(chain.refuse(tx), 'unregistered');
  });

  test('refuses an order not signed by its account key', () => {
    const { chain } = setup();
    const tx = chain.sell(
      seller,
      station,
      { window: 0, energyWh: 5, expectedPrice: 200, minPrice: 150 },
      buyer,
    );
    assert.equal(chain.refuse(tx), 'wrong-signer');
  });

  test('refuses an order with no energy', () => {
    const { chain } = setup();
    const tx = chain.sell(seller, station, { window: 0, energyWh: 0, expectedPrice: 200, minPrice: 150 });
    assert.equal(chain.refuse(tx), 'invalid-order');
  });
});

describe('meter readings', () => {
  function matched() {
    const { chain, escrow } = setup();
    const ask = chain.sell(seller, station, { window: 0, energyWh: 100, expectedPrice: 150, minPrice: 150 });
    const bid = chain.buy(buyer, station, { window: 0, energyWh: 100, maxPrice: 200 }, escrow(20_000));
    chain.accept([ask, bid]);
    return { chain, ask, bid };
  }

  test('refuses a reading before the window has cleared', () => {
    const { chain, ask } = matched();
    assert.equal(chain.refuse(chain.reading(meter, 0, ask, 100)), 'not-cleared');
  });

  test("refuses a reading from another station's meter", () => {
    const { chain, ask } = matched();
    chain.until(chain.closeOf(0));
    assert.equal(chain.refuse(chain.reading(foreignMeter, 0, ask, 100)), 'wrong-meter');
  });

  test('refuses a second reading for the same order', () => {
    const { chain, ask } = matched();
    chain.until(chain.closeOf(0));
    chain.accept([chain.reading(meter, 0, ask, 100)]);
    assert.equal(chain.refuse(chain.reading(meter, 0, ask, 99)), 'duplicate');
  });

  test('refuses a reading by an unregistered meter', () => {
    const { chain, ask } = matched();
    chain.until(chain.closeOf(0));
    assert.equal(chain.refuse(chain.reading(testKey('meter/rogue'), 0, ask, 100)), 'unregistered');
  });

  test('refuses a reading after settlement', () => {
    const { chain, ask } = matched();
    chain.until(chain.closeOf(2));
    assert.equal(chain.refuse(chain.reading(meter, 0, ask, 100)), 'unknown-order');
  });
});
