/**
 * The window's call auction (DESIGN §6, seed 2.2 step 3): a pure function of
 * integer orders, so every node computes the same clearing from the same book.
 * Prices are micro-units per Wh, energy is Wh; nothing here uses floats.
 */

export interface Ask {
  /** Order id as lowercase hex: the last tie-breaker. */
  readonly id: string;
  readonly energyWh: number;
  readonly expectedPrice: number;
  readonly minPrice: number;
  /** R_ES of the seller at clearing time, ppm. */
  readonly reputationPpm: number;
  /** Order time: the chain-wide sequence number of the order (height, then place in block). */
  readonly seq: number;
}

export interface Bid {
  readonly id: string;
  readonly energyWh: number;
  readonly maxPrice: number;
  /** R_EB of the buyer at clearing time, ppm. */
  readonly reputationPpm: number;
  readonly seq: number;
}

export interface Book {
  readonly asks: readonly Ask[];
  readonly bids: readonly Bid[];
}

export interface Bounds {
  /** The grid's retail price: no buyer pays more. */
  readonly retailPrice: number;
  /** The grid's feed-in price: no seller receives less. */
  readonly feedInPrice: number;
}

export interface Fill {
  readonly id: string;
  readonly matchedWh: number;
}

export interface AskFill extends Fill {
  /** The seller's ask after conceding `step` steps (never below its minimum or the feed-in price). */
  readonly askPrice: number;
}

export interface Clearing {
  /** The uniform price, or null when nothing trades. */
  readonly price: number | null;
  readonly volumeWh: number;
  /** Concession steps the sellers took (0..concessionSteps). */
  readonly step: number;
  /** The marginal interval the price was chosen from (equal to price when one point; 0 when no trade). */
  readonly low: number;
  readonly high: number;
  /** Every ask and bid of the book, in id order, with its matched energy. */
  readonly asks: readonly AskFill[];
  readonly bids: readonly Fill[];
}

/**
 * An ask after k of K concession steps: expected − ⌊(expected − min)·k/K⌋,
 * with "asks floored at the feed-in price" (DESIGN §6) and the expected price
 * never taken below the minimum.
 */
export function concededAsk(ask: Ask, step: number, steps: number, bounds: Bounds): number {
  const min = Math.max(ask.minPrice, bounds.feedInPrice);
  const expected = Math.max(ask.expectedPrice, min);
  const gap = expected - min;
  // gap·step can exceed 2^53 only for absurd prices; bigint keeps the floor exact anyway.
  const conceded = Number((BigInt(gap) * BigInt(step)) / BigInt(steps));
  return expected - conceded;
}

/** "Bids are capped at the retail price" (DESIGN §6). */
export function effectiveBid(bid: Bid, bounds: Bounds): number {
  return Math.min(bid.maxPrice, bounds.retailPrice);
}

/** Rationing order at the margin: "by reputation, then order time, then id" (DESIGN §6). */
function byStanding(a: Ask | Bid, b: Ask | Bid): number {
  if (a.reputationPpm !== b.reputationPpm) return b.reputationPpm - a.reputationPpm;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

interface Curve {
  /** Distinct prices ascending and the volume at each. */
  readonly prices: readonly number[];
  readonly volumes: readonly number[];
}

/** Aggregates (price, energy) pairs into distinct prices ascending. */
function aggregate(prices: Float64Array, energies: Float64Array): Curve {
  const order = new Uint32Array(prices.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((x, y) => prices[x]! - prices[y]!);
  const outPrices: number[] = [];
  const outVolumes: number[] = [];
  for (const i of order) {
    const p = prices[i]!;
    const last = outPrices.length - 1;
    if (last >= 0 && outPrices[last] === p) outVolumes[last]! += energies[i]!;
    else {
      outPrices.push(p);
      outVolumes.push(energies[i]!);
    }
  }
  return { prices: outPrices, volumes: outVolumes };
}

interface Interval {
  readonly volume: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The most volume a uniform price in [feed-in, retail] can clear, and the
 * interval of prices that clear it. Supply S(p) = energy of asks ≤ p rises in
 * steps at ask prices; demand D(p) = energy of bids ≥ p falls just above bid
 * prices; min(S, D) is unimodal, so its maximum is reached on one interval.
 */
function bestInterval(supply: Curve, demand: Curve, bounds: Bounds): Interval {
  const { feedInPrice: lo, retailPrice: hi } = bounds;
  // Breakpoints: where S or D changes, inside the bounds.
  const points = new Set<number>([lo]);
  for (const p of supply.prices) if (p > lo && p <= hi) points.add(p);
  for (const p of demand.prices) if (p + 1 > lo && p + 1 <= hi) points.add(p + 1);
  const sorted = Float64Array.from(points).sort();

  let totalDemand = 0;
  for (const v of demand.volumes) totalDemand += v;
  let s = 0; // S at the current point
  let si = 0;
  let d = totalDemand; // D at the current point
  let di = 0;
  let best = 0;
  let first = -1;
  let last = -1;
  for (let k = 0; k < sorted.length; k++) {
    const p = sorted[k]!;
    while (si < supply.prices.length && supply.prices[si]! <= p) s += supply.volumes[si++]!;
    while (di < demand.prices.length && demand.prices[di]! < p) d -= demand.volumes[di++]!;
    const v = Math.min(s, d);
    if (v > best) {
      best = v;
      first = k;
      last = k;
    } else if (v === best && best > 0 && last === k - 1) {
      last = k;
    }
  }
  if (best === 0) return { volume: 0, low: 0, high: 0 };
  const next = sorted[last + 1];
  return { volume: best, low: sorted[first]!, high: next === undefined ? hi : next - 1 };
}

function supplyAt(book: Book, step: number, steps: number, bounds: Bounds): Curve {
  const prices = new Float64Array(book.asks.length);
  const energies = new Float64Array(book.asks.length);
  book.asks.forEach((a, i) => {
    prices[i] = concededAsk(a, step, steps, bounds);
    energies[i] = a.energyWh;
  });
  return aggregate(prices, energies);
}

/**
 * Clears one station's book for one window.
 *
 * 1. Sellers concede from their expected toward their minimum price in
 *    `steps` steps "until supply meets demand or every ask is at its minimum"
 *    (DESIGN §6): the auction takes the first step whose clearable volume is
 *    already the most any step reaches, so no seller concedes for nothing.
 * 2. The uniform price is the midpoint (rounded down) of the interval of
 *    prices that clear that volume.
 * 3. At that price every ask at or below it and every bid at or above it is
 *    eligible; the short side fills completely, the long side fills by price
 *    priority and, at the margin, by reputation, then order time, then id.
 */
export function clearWindow(book: Book, bounds: Bounds, steps: number): Clearing {
  if (!Number.isSafeInteger(steps) || steps < 1) throw new RangeError('concession steps must be positive');
  if (bounds.feedInPrice > bounds.retailPrice) throw new RangeError('feed-in price above retail price');

  const bidPrices = new Float64Array(book.bids.length);
  const bidEnergies = new Float64Array(book.bids.length);
  book.bids.forEach((b, i) => {
    bidPrices[i] = effectiveBid(b, bounds);
    bidEnergies[i] = b.energyWh;
  });
  const demand = aggregate(bidPrices, bidEnergies);

  const full = bestInterval(supplyAt(book, steps, steps, bounds), demand, bounds);
  let step = steps;
  let interval = full;
  if (full.volume > 0) {
    // Clearable volume never falls as asks fall, so the first step reaching it is found by bisection.
    let lo = 0;
    let hi = steps;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const v = bestInterval(supplyAt(book, mid, steps, bounds), demand, bounds);
      if (v.volume === full.volume) hi = mid;
      else lo = mid + 1;
    }
    step = lo;
    interval = step === steps ? full : bestInterval(supplyAt(book, step, steps, bounds), demand, bounds);
  }

  const byId = <T extends { id: string }>(xs: T[]): T[] =>
    xs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (interval.volume === 0) {
    return {
      price: null,
      volumeWh: 0,
      step: 0,
      low: 0,
      high: 0,
      asks: byId(
        book.asks.map((a) => ({ id: a.id, matchedWh: 0, askPrice: concededAsk(a, 0, steps, bounds) })),
      ),
      bids: byId(book.bids.map((b) => ({ id: b.id, matchedWh: 0 }))),
    };
  }

  const price = interval.low + Math.floor((interval.high - interval.low) / 2);
  const askPrices = book.asks.map((a) => concededAsk(a, step, steps, bounds));
  const eligibleAsks = book.asks
    .map((a, i) => ({ a, p: askPrices[i]! }))
    .filter((x) => x.p <= price)
    .sort((x, y) => x.p - y.p || byStanding(x.a, y.a));
  const eligibleBids = book.bids
    .map((b) => ({ b, p: effectiveBid(b, bounds) }))
    .filter((x) => x.p >= price)
    .sort((x, y) => y.p - x.p || byStanding(x.b, y.b));

  const soldWh = new Map<Ask, number>();
  let left = interval.volume;
  for (const { a } of eligibleAsks) {
    if (left === 0) break;
    const q = Math.min(left, a.energyWh);
    soldWh.set(a, q);
    left -= q;
  }
  const boughtWh = new Map<Bid, number>();
  left = interval.volume;
  for (const { b } of eligibleBids) {
    if (left === 0) break;
    const q = Math.min(left, b.energyWh);
    boughtWh.set(b, q);
    left -= q;
  }

  return {
    price,
    volumeWh: interval.volume,
    step,
    low: interval.low,
    high: interval.high,
    asks: byId(
      book.asks.map((a, i) => ({ id: a.id, matchedWh: soldWh.get(a) ?? 0, askPrice: askPrices[i]! })),
    ),
    bids: byId(book.bids.map((b) => ({ id: b.id, matchedWh: boughtWh.get(b) ?? 0 }))),
  };
}
