import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Ask,
  type Bid,
  type Book,
  type Bounds,
  type Clearing,
  clearWindow,
  concededAsk,
  effectiveBid,
} from '@v2g/core';
import fc from 'fast-check';

const RUNS = 300;

interface Case {
  readonly book: Book;
  readonly bounds: Bounds;
  readonly steps: number;
}

const bounds = fc
  .record({ feedIn: fc.integer({ min: 0, max: 400 }), spread: fc.integer({ min: 0, max: 600 }) })
  .map(({ feedIn, spread }) => ({ feedInPrice: feedIn, retailPrice: feedIn + spread }));

/** Prices reach past both bounds so the caps and floors are exercised; few reputation values force ties. */
const askArb = fc.record({
  energyWh: fc.integer({ min: 1, max: 5_000 }),
  minPrice: fc.integer({ min: 0, max: 1_200 }),
  above: fc.integer({ min: 0, max: 400 }),
  reputationPpm: fc.constantFrom(0, 200_000, 500_000, 1_000_000),
  seq: fc.integer({ min: 0, max: 20 }),
});
const bidArb = fc.record({
  energyWh: fc.integer({ min: 1, max: 5_000 }),
  maxPrice: fc.integer({ min: 0, max: 1_200 }),
  reputationPpm: fc.constantFrom(0, 200_000, 500_000, 1_000_000),
  seq: fc.integer({ min: 0, max: 20 }),
});

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    bounds,
    steps: fc.integer({ min: 1, max: 12 }),
    asks: fc.array(askArb, { maxLength: 25 }),
    bids: fc.array(bidArb, { maxLength: 25 }),
  })
  .map(({ bounds, steps, asks, bids }) => ({
    bounds,
    steps,
    book: {
      // Ids are unique, as transaction ids are; their order is unrelated to seq.
      asks: asks.map(
        (a, i): Ask => ({
          id: `a${((i * 7919) % 1000).toString().padStart(4, '0')}-${i}`,
          energyWh: a.energyWh,
          minPrice: a.minPrice,
          expectedPrice: a.minPrice + a.above,
          reputationPpm: a.reputationPpm,
          seq: a.seq,
        }),
      ),
      bids: bids.map(
        (b, i): Bid => ({
          id: `b${((i * 7919) % 1000).toString().padStart(4, '0')}-${i}`,
          energyWh: b.energyWh,
          maxPrice: b.maxPrice,
          reputationPpm: b.reputationPpm,
          seq: b.seq,
        }),
      ),
    },
  }));

function fills(c: Clearing): { asks: Map<string, number>; bids: Map<string, number> } {
  return {
    asks: new Map(c.asks.map((f) => [f.id, f.matchedWh])),
    bids: new Map(c.bids.map((f) => [f.id, f.matchedWh])),
  };
}

/** Brute force: what price p clears with asks after `step` concessions. */
function volumeAt({ book, bounds, steps }: Case, step: number, p: number): number {
  let s = 0;
  let d = 0;
  for (const a of book.asks) if (concededAsk(a, step, steps, bounds) <= p) s += a.energyWh;
  for (const b of book.bids) if (effectiveBid(b, bounds) >= p) d += b.energyWh;
  return Math.min(s, d);
}

/** Brute force: the most any uniform price in the bounds clears with asks after `step` concessions. */
function bestVolume({ book, bounds, steps }: Case, step: number): number {
  let best = 0;
  const asks = book.asks.map((a) => ({ p: concededAsk(a, step, steps, bounds), q: a.energyWh }));
  const bids = book.bids.map((b) => ({ p: effectiveBid(b, bounds), q: b.energyWh }));
  const candidates = [bounds.feedInPrice, ...asks.map((a) => a.p), ...bids.map((b) => b.p)];
  for (const p of candidates) {
    if (p < bounds.feedInPrice || p > bounds.retailPrice) continue;
    let s = 0;
    let d = 0;
    for (const a of asks) if (a.p <= p) s += a.q;
    for (const b of bids) if (b.p >= p) d += b.q;
    best = Math.max(best, Math.min(s, d));
  }
  return best;
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('clearWindow', () => {
  test('no seller is paid below its minimum or the feed-in price', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = clearWindow(c.book, c.bounds, c.steps);
        const { asks } = fills(r);
        for (const a of c.book.asks) {
          if ((asks.get(a.id) ?? 0) === 0) continue;
          assert.ok(r.price !== null);
          assert.ok(r.price >= a.minPrice, `seller ${a.id} min ${a.minPrice} > price ${r.price}`);
          assert.ok(r.price >= c.bounds.feedInPrice);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('no buyer pays above its maximum or the retail price', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = clearWindow(c.book, c.bounds, c.steps);
        const { bids } = fills(r);
        for (const b of c.book.bids) {
          if ((bids.get(b.id) ?? 0) === 0) continue;
          assert.ok(r.price !== null);
          assert.ok(r.price <= b.maxPrice, `buyer ${b.id} max ${b.maxPrice} < price ${r.price}`);
          assert.ok(r.price <= c.bounds.retailPrice);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('the clearing price lies within [feed-in, retail] and inside the marginal interval', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = clearWindow(c.book, c.bounds, c.steps);
        if (r.price === null) {
          assert.equal(r.volumeWh, 0);
          return;
        }
        assert.ok(c.bounds.feedInPrice <= r.price && r.price <= c.bounds.retailPrice);
        assert.ok(r.low <= r.price && r.price <= r.high);
        assert.ok(c.bounds.feedInPrice <= r.low && r.high <= c.bounds.retailPrice);
        // [low, high] is exactly the set of prices that clear the volume.
        for (const p of [r.low, r.price, r.high]) assert.equal(volumeAt(c, r.step, p), r.volumeWh);
        if (r.low > c.bounds.feedInPrice) assert.ok(volumeAt(c, r.step, r.low - 1) < r.volumeWh);
        if (r.high < c.bounds.retailPrice) assert.ok(volumeAt(c, r.step, r.high + 1) < r.volumeWh);
      }),
      { numRuns: RUNS },
    );
  });

  test("buyers' payments equal sellers' receipts, and nobody trades more than ordered", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = clearWindow(c.book, c.bounds, c.steps);
        const price = BigInt(r.price ?? 0);
        let bought = 0n;
        let sold = 0n;
        const { asks, bids } = fills(r);
        for (const a of c.book.asks) {
          const q = asks.get(a.id) ?? 0;
          assert.ok(q >= 0 && q <= a.energyWh);
          sold += BigInt(q) * price;
        }
        for (const b of c.book.bids) {
          const q = bids.get(b.id) ?? 0;
          assert.ok(q >= 0 && q <= b.energyWh);
          bought += BigInt(q) * price;
        }
        assert.equal(bought, sold);
        assert.equal(sold, BigInt(r.volumeWh) * price);
      }),
      { numRuns: RUNS },
    );
  });

  test('no feasible extra trade is left: no uniform price clears more, even with every ask at its minimum', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = clearWindow(c.book, c.bounds, c.steps);
        assert.equal(r.volumeWh, bestVolume(c, c.steps));
        if (r.price === null) return;
        // At the clearing price, an unfilled willing buyer and an unfilled willing seller never coexist.
        const { asks, bids } = fills(r);
        const askPrice = new Map(r.asks.map((f) => [f.id, f.askPrice]));
        const price = r.price;
        const buyerLeft = c.book.bids.some(
          (b) => effectiveBid(b, c.bounds) >= price && (bids.get(b.id) ?? 0) < b.energyWh,
        );
        const sellerLeft = c.book.asks.some(
          (a) => (askPrice.get(a.id) ?? Infinity) <= price && (asks.get(a.id) ?? 0) < a.energyWh,
        );
        assert.ok(!(buyerLeft && sellerLeft), 'a buyer and a seller willing at the price are both left');
      }),
      { numRuns: RUNS },
    );
  });

  test('sellers concede only as far as needed: one step less would clear less', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = clearWindow(c.book, c.bounds, c.steps);
        if (r.volumeWh === 0) return;
        assert.equal(bestVolume(c, r.step), r.volumeWh);
        if (r.step > 0) assert.ok(bestVolume(c, r.step - 1) < r.volumeWh);
      }),
      { numRuns: RUNS },
    );
  });

  test('the same orders in any submission order give the same result', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 1_000_000 }), (c, seed) => {
        const a = clearWindow(c.book, c.bounds, c.steps);
        const shuffledBook = { asks: shuffled(c.book.asks, seed), bids: shuffled(c.book.bids, seed + 1) };
        const b = clearWindow(shuffledBook, c.bounds, c.steps);
        assert.deepEqual(b, a);
      }),
      { numRuns: RUNS },
    );
  });

  test('rations the long side at the margin by reputation, then order time, then id', () => {
    const asks: Ask[] = [
      { id: 'a', energyWh: 100, expectedPrice: 100, minPrice: 100, reputationPpm: 0, seq: 0 },
    ];
    const bid = (id: string, reputationPpm: number, seq: number): Bid => ({
      id,
      energyWh: 60,
      maxPrice: 200,
      reputationPpm,
      seq,
    });
    const bids = [
      bid('late-low', 300_000, 9),
      bid('early-high', 900_000, 5),
      bid('z-tie', 300_000, 1),
      bid('y-tie', 300_000, 1),
    ];
    const r = clearWindow({ asks, bids }, { feedInPrice: 50, retailPrice: 300 }, 4);
    const { bids: got } = fills(r);
    assert.equal(r.volumeWh, 100);
    assert.equal(got.get('early-high'), 60);
    assert.equal(got.get('y-tie'), 40);
    assert.equal(got.get('z-tie'), 0);
    assert.equal(got.get('late-low'), 0);
  });

  test('fills cheaper asks before rationing at the marginal price', () => {
    const ask = (id: string, price: number, reputationPpm: number): Ask => ({
      id,
      energyWh: 50,
      expectedPrice: price,
      minPrice: price,
      reputationPpm,
      seq: 0,
    });
    const asks = [ask('cheap-low-rep', 100, 0), ask('dear-high-rep', 150, 1_000_000)];
    const bids: Bid[] = [{ id: 'b', energyWh: 50, maxPrice: 300, reputationPpm: 0, seq: 0 }];
    const r = clearWindow({ asks, bids }, { feedInPrice: 50, retailPrice: 300 }, 1);
    assert.equal(fills(r).asks.get('cheap-low-rep'), 50);
    assert.equal(fills(r).asks.get('dear-high-rep'), 0);
  });

  test('an empty or one-sided book clears nothing', () => {
    const b = { feedInPrice: 10, retailPrice: 20 };
    assert.equal(clearWindow({ asks: [], bids: [] }, b, 3).price, null);
    const onlyBids = clearWindow(
      { asks: [], bids: [{ id: 'b', energyWh: 5, maxPrice: 20, reputationPpm: 0, seq: 0 }] },
      b,
      3,
    );
    assert.equal(onlyBids.volumeWh, 0);
    assert.equal(onlyBids.bids[0]?.matchedWh, 0);
  });
});
