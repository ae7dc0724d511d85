/**
 * The testnet's compressed day: one market window is one hour. The grid
 * operator's tariff follows a typical residential day — cheap at night,
 * peaks in the morning and evening — and the feed-in price falls at midday,
 * when rooftop solar floods the grid. Prices in micro-units per Wh.
 */

export const HOURS_PER_DAY = 24;

/** The day starts at 06:00 so that a one-minute run reaches the morning peak at once. */
export const FIRST_HOUR = 6;

const RETAIL_BY_HOUR = [
  180, 170, 160, 160, 170, 190, 240, 320, 360, 300, 260, 240, 230, 230, 240, 260, 300, 380, 420, 400, 340,
  280, 230, 200,
] as const;

const FEED_IN_BY_HOUR = [
  70, 70, 70, 70, 70, 80, 100, 120, 110, 90, 70, 60, 50, 50, 60, 80, 110, 140, 150, 140, 120, 100, 90, 80,
] as const;

export function hourOf(window: number): number {
  return (window + FIRST_HOUR) % HOURS_PER_DAY;
}

/** The distribution network's charge for moving energy between two stations, per Wh (decision 0015). */
export const WHEELING_FEE = 10;

export function tariffOf(window: number): { retailPrice: number; feedInPrice: number; wheelingFee: number } {
  const h = hourOf(window);
  return { retailPrice: RETAIL_BY_HOUR[h]!, feedInPrice: FEED_IN_BY_HOUR[h]!, wheelingFee: WHEELING_FEE };
}

/** Mean retail price over the day: hours above it are "expensive" and worth selling into. */
export const MEAN_RETAIL = RETAIL_BY_HOUR.reduce((s, p) => s + p, 0) / HOURS_PER_DAY;

/** Commuting hours: cars are driven and their batteries drain. */
export function isCommute(hour: number): boolean {
  return hour === 7 || hour === 8 || hour === 17 || hour === 18;
}

/** A small seeded generator (mulberry32): the day is the same for the same seed. Not for keys. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
