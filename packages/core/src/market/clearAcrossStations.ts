import type { TariffRecord } from '../state/records.ts';

/** A seller's energy its own station's auction left unsold. */
export interface CrossAsk {
  readonly id: string;
  /** Station key, lowercase hex. */
  readonly station: string;
  readonly leftoverWh: number;
  /** max(minimum price, feed-in): the least it may be paid. */
  readonly floor: number;
  /** R_ES. */
  readonly reputationPpm: number;
  readonly seq: number;
}

/** A buyer's demand its own station's auction left unmet. */
export interface CrossBid {
  readonly id: string;
  readonly station: string;
  readonly leftoverWh: number;
  /** min(maximum price, retail): the most it may pay, wheeling fee included. */
  readonly limit: number;
  /** R_EB. */
  readonly reputationPpm: number;
  readonly seq: number;
}

/** One bilateral trade between stations: the buyer pays energy × (price + fee), the seller gets energy × price. */
export interface CrossMatch {
  readonly askId: string;
  readonly bidId: string;
  readonly energyWh: number;
  readonly price: number;
  readonly fee: number;
}

/** The wheeling fee per Wh between two stations (hex keys): the listed pair's, else the tariff's default. */
export function wheelingFeeOf(tariff: TariffRecord): (a: string, b: string) => number {
  const listed = new Map<string, number>();
  for (const p of tariff.wheeling) {
    const [x, y] = [Buffer.from(p.a).toString('hex'), Buffer.from(p.b).toString('hex')];
    listed.set(`${x}:${y}`, p.fee);
  }
  return (a, b) => {
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    return listed.get(key) ?? tariff.wheelingFee;
  };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The second stage (thesis 5.2 item 1, DESIGN §6, decision 0015): what each
 * station's auction left clears across stations, each pair of stations
 * charged its wheeling fee. A seller at s and a buyer at t ≠ s can trade when
 * floor + fee(s, t) ≤ limit; the trade splits that surplus: the seller is paid
 * floor + ⌊surplus/2⌋ per Wh, the buyer pays that plus the fee (to the grid).
 *
 * Deterministic greedy: per station, asks by (floor, −R_ES, order time, id)
 * and bids by (−limit, −R_EB, order time, id); repeatedly the pair of
 * station heads with the largest surplus (ties: ask station, bid station by
 * key) trades as much as both have left. Each step exhausts one order, so at
 * most |asks| + |bids| steps of O(K²) for K stations, and no (ask, bid) pair
 * trades twice; matches come in the order they were made. It stops when no
 * head pair is feasible, and the heads are each station's best, so no
 * feasible pair is left.
 */
export function clearAcrossStations(
  asks: readonly CrossAsk[],
  bids: readonly CrossBid[],
  feeOf: (a: string, b: string) => number,
): CrossMatch[] {
  const queue = <T extends { station: string }>(xs: readonly T[], order: (a: T, b: T) => number) => {
    const by = new Map<string, T[]>();
    for (const x of xs) {
      const list = by.get(x.station);
      if (list) list.push(x);
      else by.set(x.station, [x]);
    }
    for (const list of by.values()) list.sort(order);
    return by;
  };
  const sellers = queue(
    asks.filter((a) => a.leftoverWh > 0),
    (a, b) => a.floor - b.floor || b.reputationPpm - a.reputationPpm || a.seq - b.seq || byId(a, b),
  );
  const buyers = queue(
    bids.filter((b) => b.leftoverWh > 0),
    (a, b) => b.limit - a.limit || b.reputationPpm - a.reputationPpm || a.seq - b.seq || byId(a, b),
  );
  const sellerStations = [...sellers.keys()].sort();
  const buyerStations = [...buyers.keys()].sort();
  const left = new Map<string, number>();
  for (const x of [...asks, ...bids]) left.set(x.id, x.leftoverWh);
  // Each station's queue is read from a cursor that only moves forward past exhausted orders.
  const cursor = new Map<string, number>();
  const head = <T extends { id: string }>(key: string, list: T[] | undefined): T | undefined => {
    if (!list) return undefined;
    let i = cursor.get(key) ?? 0;
    while (i < list.length && left.get(list[i]!.id) === 0) i++;
    cursor.set(key, i);
    return list[i];
  };

  const matches: CrossMatch[] = [];
  for (;;) {
    let best: { ask: CrossAsk; bid: CrossBid; surplus: number; fee: number } | undefined;
    for (const s of sellerStations) {
      const ask = head(`s:${s}`, sellers.get(s));
      if (!ask) continue;
      for (const t of buyerStations) {
        if (t === s) continue;
        const bid = head(`b:${t}`, buyers.get(t));
        if (!bid) continue;
        const fee = feeOf(s, t);
        const surplus = bid.limit - fee - ask.floor;
        // Stations are visited in key order, so a later pair wins only with strictly more surplus.
        if (surplus >= 0 && (!best || surplus > best.surplus)) best = { ask, bid, surplus, fee };
      }
    }
    if (!best) return matches;
    const energyWh = Math.min(left.get(best.ask.id)!, left.get(best.bid.id)!);
    left.set(best.ask.id, left.get(best.ask.id)! - energyWh);
    left.set(best.bid.id, left.get(best.bid.id)! - energyWh);
    matches.push({
      askId: best.ask.id,
      bidId: best.bid.id,
      energyWh,
      price: best.ask.floor + Math.floor(best.surplus / 2),
      fee: best.fee,
    });
  }
}
