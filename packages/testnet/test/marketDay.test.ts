import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HOURS_PER_DAY, seededRandom, tariffOf } from '../src/marketDay/dayProfile.ts';
import { type EvIntent, type EvKind, MarketEv } from '../src/marketDay/marketEv.ts';

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
      fc.constantFrom<EvKind>('honest', 'failing-seller', 'mixed', 'no-show-buyer'),
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 48 }),
      (seed, kind, windows) => {
        const ev = new MarketEv(seededRandom(seed), kind);
        for (const w of windows) {
          if (ev.drive(w)) continue;
          const t = tariffOf(w);
          const intent = ev.decide(t, w);
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
    const evs = Array.from(
      { length: 8 },
      (_, i) => new MarketEv(random, i === 3 ? 'failing-seller' : 'honest'),
    );
    const intents: EvIntent[] = [];
    for (let w = 0; w < 24; w++) {
      for (const ev of evs) intents.push(ev.drive(w) ? { side: 'idle' } : ev.decide(tariffOf(w), w));
    }
    return intents;
  };
  assert.deepEqual(day(42), day(42));
  assert.notDeepEqual(day(42), day(43));
});

test('each dishonest kind fails in its role and is honest in the other; an honest EV delivers and takes all', () => {
  for (let seed = 0; seed < 50; seed++) {
    const ev = (kind: EvKind) => new MarketEv(seededRandom(seed), kind);
    assert.ok(ev('failing-seller').meter('sell', 10_000) < 5_000);
    assert.ok(ev('mixed').meter('sell', 10_000) < 5_000);
    assert.equal(ev('mixed').meter('buy', 10_000), 10_000, 'a mixed EV buys honestly');
    assert.equal(ev('no-show-buyer').meter('buy', 10_000), 0);
    assert.equal(ev('honest').meter('sell', 10_000), 10_000);
    assert.equal(ev('honest').meter('buy', 10_000), 10_000);
  }
  const t = tariffOf(0);
  const mixed = new MarketEv(seededRandom(1), 'mixed');
  assert.deepEqual([mixed.decide(t, 0).side, mixed.decide(t, 1).side], ['sell', 'buy'], 'it alternates');
  const noShow = new MarketEv(seededRandom(1), 'no-show-buyer').decide(t, 0);
  assert.ok(
    noShow.side === 'buy' && noShow.maxPrice === t.retailPrice,
    'it bids retail, so the grid serves it',
  );
});
