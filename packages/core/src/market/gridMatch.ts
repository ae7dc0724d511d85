import type { TariffRecord } from '../state/records.ts';

/** A seller's energy the EV auction left unsold. */
export interface GridOffer {
  readonly id: string;
  readonly leftoverWh: number;
  readonly minPrice: number;
  /** R_ES: standing when the grid's budget cannot take every offer. */
  readonly reputationPpm: number;
  readonly seq: number;
}

/** A buyer's demand the EV auction left unmet. */
export interface GridNeed {
  readonly id: string;
  readonly leftoverWh: number;
  readonly maxPrice: number;
}

export interface GridTrades {
  /** Per order id: energy sold to the grid (offers) or bought from it (needs). */
  readonly matched: ReadonlyMap<string, number>;
  readonly toGridWh: number;
  readonly fromGridWh: number;
  /** What the grid commits to pay: toGridWh × feed-in. */
  readonly cost: number;
}

/**
 * The grid as the counterparty of last resort (DESIGN §6, decision 0010):
 * a standing bid at the feed-in price and a standing ask at retail, both
 * unlimited in energy, taken after the station's EV auction. Limits hold: a
 * seller whose minimum is above feed-in is not bought, a buyer whose maximum
 * is below retail is not supplied (so "an EV can always sell surplus at the
 * floor" by asking no more than it). The grid pays from its account, so it
 * buys at most ⌊budget / feed-in⌋ Wh, sellers by standing (R_ES, order time, id).
 */
export function tradeWithGrid(
  offers: readonly GridOffer[],
  needs: readonly GridNeed[],
  tariff: Pick<TariffRecord, 'feedInPrice' | 'retailPrice'>,
  budget: number,
): GridTrades {
  const matched = new Map<string, number>();
  const standing = offers
    .filter((o) => o.leftoverWh > 0 && o.minPrice <= tariff.feedInPrice)
    .sort(
      (a, b) =>
        b.reputationPpm - a.reputationPpm || a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  let affordable =
    tariff.feedInPrice === 0 ? Number.MAX_SAFE_INTEGER : Math.floor(budget / tariff.feedInPrice);
  let toGridWh = 0;
  for (const o of standing) {
    const wh = Math.min(o.leftoverWh, affordable);
    if (wh === 0) break;
    matched.set(o.id, wh);
    affordable -= wh;
    toGridWh += wh;
  }
  let fromGridWh = 0;
  for (const n of needs) {
    if (n.leftoverWh === 0 || n.maxPrice < tariff.retailPrice) continue;
    matched.set(n.id, n.leftoverWh);
    fromGridWh += n.leftoverWh;
  }
  return { matched, toGridWh, fromGridWh, cost: toGridWh * tariff.feedInPrice };
}
