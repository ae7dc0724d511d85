import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HOURS_PER_DAY, seededRandom, tariffOf } from '../src/testnet/dayProfile.ts';
import { type EvIntent, MarketEv } from '../src/testnet/marketEv.ts';

test('the day tariff keeps feed-in below retail in every hour', () => {
  for (let w = 0; w < HOURS_PER_DAY; w++) {
    const t = tariffOf(w);
    assert.ok(t.feedInPrice > 0 && t.feedInPrice < t.retailPrice, `window ${w}: ${JSON.stringify(t)}`);
  }
});

test('an EV only places orders the market rules accept: prices within the tariff, energy within its charger', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.boolean(),
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 48 }),
      (seed, dishonest, windows) => {
        const ev = new MarketEv(seededRandom(seed), dishonest);
        for (const w of windows) {
          if (ev.drive(w)) continue;
          const t = tariffOf(w);
          const intent = ev.decide(t);
          if (intent.side === 'idle') continue;
          assert.ok(intent.energyWh > 0 && intent.energyWh <= ev.profile.powerWh);
          if (intent.side === 'sell') {
            assert.ok(intent.minPrice >= t.feedInPrice && intent.minPrice <= intent.expectedPrice);
            assert.ok(intent.expectedPrice <= t.retailPrice);
            ev.settle('sell', ev.meter('sell', intent.energyWh));
          } else {
            assert.ok(intent.maxPrice >= t.feedInPrice && intent.maxPrice <= t.retailPrice);
            ev.settle('buy', intent.energyWh);
          }
          assert.ok(ev.socWh >= 0 && ev.socWh <= ev.profile.capacityWh);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('the same seed gives the same day', () => {
  const day = (seed: number) => {
    const random = seededRandom(seed);
    const evs = Array.from({ length: 8 }, (_, i) => new MarketEv(random, i === 3));
    const intents: EvIntent[] = [];
    for (let w = 0; w < 24; w++) {
      for (const ev of evs) intents.push(ev.drive(w) ? { side: 'idle' } : ev.decide(tariffOf(w)));
    }
    return intents;
  };
  assert.deepEqual(day(42), day(42));
  assert.notDeepEqual(day(42), day(43));
});

test('a dishonest EV delivers less than half of what it sold; an honest one all of it', () => {
  for (let seed = 0; seed < 50; seed++) {
    const dishonest = new MarketEv(seededRandom(seed), true);
    assert.ok(dishonest.meter('sell', 10_000) < 5_000);
    const honest = new MarketEv(seededRandom(seed), false);
    assert.equal(honest.meter('sell', 10_000), 10_000);
    assert.equal(honest.meter('buy', 10_000), 10_000);
  }
});
