import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultEvReputationParams as params, readEvReputation, readOrder, txId } from '@v2g/core';
import { leags, testKey } from './fixtures.ts';
import { fund, MarketChain, marketGenesis } from './marketHarness.ts';

/**
 * Issue 10, gap 6: a LEAG registered its own meters, so it controlled the
 * readings that settle its EVs' trades and could forge their reputations.
 * Meters are now registered by the RA and bound to a station (decision 0009).
 */

const station = leags[0]!;
const other = leags[1]!;
const seller = testKey('ev/meter-seller');
const buyer = testKey('ev/meter-buyer');
const wallet = testKey('wallet/meter-buyer');
const forged = testKey('meter/forged-by-leag');
const trusted = testKey('meter/trusted');

describe('trusted meters', () => {
  test("a LEAG cannot register a meter, so it cannot report its EVs' deliveries", () => {
    const chain = new MarketChain(marketGenesis());
    const funds = fund(chain, station, wallet, 1, 20_000 * 300);
    chain.accept([
      chain.registerEv(seller, station),
      chain.registerEv(buyer, station),
      chain.tariff(0, 300, 100),
      funds.tx,
    ]);
    assert.equal(chain.refuse(chain.registerMeter(forged, station, [station])), 'wrong-signer');

    const ask = chain.sell(seller, station, {
      window: 0,
      energyWh: 20_000,
      expectedPrice: 150,
      minPrice: 150,
    });
    const bid = chain.buy(buyer, station, { window: 0, energyWh: 20_000, maxPrice: 300 }, funds.escrow(0));
    chain.accept([ask, bid]);
    chain.until(chain.closeOf(0));
    assert.equal(readOrder(chain.store, txId(ask))?.matchedWh, 20_000);
    // The station claims its seller delivered: the reading is refused, and the failure stands.
    assert.equal(chain.refuse(chain.reading(forged, 0, ask, 20_000)), 'unregistered');
    chain.until(chain.closeOf(2));
    assert.ok(readEvReputation(chain.store, seller.publicKey)!.es < params.initialPpm);
  });

  test('an RA-registered meter reports only on orders at the station it is bound to', () => {
    const chain = new MarketChain(marketGenesis());
    const funds = fund(chain, station, wallet, 1, 20_000 * 300);
    chain.accept([
      chain.registerEv(seller, station),
      chain.registerEv(buyer, station),
      chain.registerMeter(trusted, other),
      chain.tariff(0, 300, 100),
      funds.tx,
    ]);
    // The binding is the RA's certificate: the meter cannot be registered again elsewhere.
    assert.equal(chain.refuse(chain.registerMeter(trusted, station)), 'already-registered');
    const ask = chain.sell(seller, station, {
      window: 0,
      energyWh: 20_000,
      expectedPrice: 150,
      minPrice: 150,
    });
    const bid = chain.buy(buyer, station, { window: 0, energyWh: 20_000, maxPrice: 300 }, funds.escrow(0));
    chain.accept([ask, bid]);
    chain.until(chain.closeOf(0));
    assert.equal(chain.refuse(chain.reading(trusted, 0, ask, 20_000)), 'wrong-meter');
  });
});
