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
  const scaled = (expected - min) * step;
  if (Number.isSafeInteger(scaled)) return expected - (scaled - (scaled % steps)) / steps;
  return expected - Number((BigInt(expected - min) * BigInt(step)) / BigInt(steps));
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
  /** Distinct prices ascending and the total energy offered at each. */
  readonly prices: Float64Array;
  readonly volumes: Float64Array;
}

/**
 * Aggregates (price, energy) pairs into distinct prices ascending. Sorting
 * packed keys price·2^b + index in a typed array is exact below 2^53 and
 * several times faster than a comparator; larger prices take the slow path.
 */
function aggregate(prices: Float64Array, energies: Float64Array): Curve {
  const n = prices.length;
  let maxPrice = 0;
  for (const p of prices) maxPrice = Math.max(maxPrice, p);
  let shift = 1;
  while (shift <= n) shift *= 2;
  let order: ArrayLike<number>;
  if ((maxPrice + 1) * shift <= Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = prices[i]! * shift + i;
    keys.sort();
    for (let i = 0; i < n; i++) keys[i] = keys[i]! % shift;
    order = keys;
  } else {
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    order = idx.sort((x, y) => prices[x]! - prices[y]!);
  }
  const outPrices = new Float64Array(n);
  const outVolumes = new Float64Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const p = prices[i]!;
    if (m > 0 && outPrices[m - 1] === p) outVolumes[m - 1]! += energies[i]!;
    else {
      outPrices[m] = p;
      outVolumes[m] = energies[i]!;
      m++;
    }
  }
  return { prices: outPrices.subarray(0, m), volumes: outVolumes.subarray(0, m) };
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
 * prices; so min(S, D) is constant between those breakpoints and unimodal,
 * and its maximum is reached on one interval. One sweep over the breakpoints.
 */
function bestInterval(supply: Curve, demand: Curve, bounds: Bounds): Interval {
  const { feedInPrice: lo, retailPrice: hi } = bounds;
  const sp = supply.prices;
  const sv = supply.volumes;
  const dp = demand.prices;
  const dv = demand.volumes;
  let d = 0;
  for (const v of dv) d += v;
  let s = 0;
  let si = 0;
  let di = 0;
  let best = 0;
  let low = 0;
  let high = 0;
  // Bounded: p strictly increases through breakpoints, at most one per distinct price.
  for (let p = lo; ; ) {
    while (si < sp.length && sp[si]! <= p) s += sv[si++]!;
    while (di < dp.length && dp[di]! < p) d -= dv[di++]!;
    const v = Math.min(s, d);
    const next = Math.min(si < sp.length ? sp[si]! : Infinity, di < dp.length ? dp[di]! + 1 : Infinity);
    const segmentHigh = Math.min(next - 1, hi);
    if (v > best) {
      best = v;
      low = p;
      high = segmentHigh;
    } else if (v === best && best > 0 && high === p - 1) {
      high = segmentHigh;
    }
    if (next > hi) break;
    p = next;
  }
  return best === 0 ? { volume: 0, low: 0, high: 0 } : { volume: best, low, high };
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
  const intervals = new Map<number, Interval>();
  const at = (k: number): Interval => {
    let v = intervals.get(k);
    if (!v) {
      v = bestInterval(supplyAt(book, k, steps, bounds), demand, bounds);
      intervals.set(k, v);
    }
    return v;
  };

  const most = at(steps).volume;
  // Clearable volume never falls as asks fall, so the first step reaching the most is found by bisection.
  let lo = 0;
  let hi = steps;
  while (most > 0 && lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid).volume === most) hi = mid;
    else lo = mid + 1;
  }
  const step = most > 0 ? lo : 0;
  const interval = at(most > 0 ? step : steps);
  const askPrices = book.asks.map((a) => concededAsk(a, step, steps, bounds));
  const sold = new Float64Array(book.asks.length);
  const bought = new Float64Array(book.bids.length);
  let price: number | null = null;

  if (most > 0) {
    price = interval.low + Math.floor((interval.high - interval.low) / 2);
    const p = price;
    const asks: number[] = [];
    const bids: number[] = [];
    let supply = 0;
    let demandAtPrice = 0;
    askPrices.forEach((a, i) => {
      if (a <= p) {
        asks.push(i);
        supply += book.asks[i]!.energyWh;
      }
    });
    bidPrices.forEach((b, i) => {
      if (b >= p) {
        bids.push(i);
        demandAtPrice += book.bids[i]!.energyWh;
      }
    });
    // Only the long side needs an order: price priority, then standing at the margin.
    if (supply > interval.volume) {
      asks.sort((x, y) => askPrices[x]! - askPrices[y]! || byStanding(book.asks[x]!, book.asks[y]!));
    }
    if (demandAtPrice > interval.volume) {
      bids.sort((x, y) => bidPrices[y]! - bidPrices[x]! || byStanding(book.bids[x]!, book.bids[y]!));
    }
    fill(asks, book.asks, sold, interval.volume);
    fill(bids, book.bids, bought, interval.volume);
  }

  const asks = book.asks.map((a, i) => ({ id: a.id, matchedWh: sold[i]!, askPrice: askPrices[i]! }));
  const bids = book.bids.map((b, i) => ({ id: b.id, matchedWh: bought[i]! }));
  return {
    price,
    volumeWh: most > 0 ? interval.volume : 0,
    step,
    low: most > 0 ? interval.low : 0,
    high: most > 0 ? interval.high : 0,
    asks: asks.sort(byId),
    bids: bids.sort(byId),
  };
}

/** Fills orders in the given order until `volume` is used up. */
function fill(
  order: readonly number[],
  orders: readonly { energyWh: number }[],
  out: Float64Array,
  volume: number,
) {
  let left = volume;
  for (const i of order) {
    if (left === 0) break;
    const q = Math.min(left, orders[i]!.energyWh);
    out[i] = q;
    left -= q;
  }
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
