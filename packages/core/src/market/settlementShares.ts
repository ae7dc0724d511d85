/** An order at settlement, as the shares need it. */
export interface SettlingOrder {
  readonly idHex: string;
  readonly station: string;
  readonly side: 'sell' | 'buy';
  readonly matchedWh: number;
  readonly crossMatchedWh: number;
  readonly gridMatchedWh: number;
  /** The meter's reading; null (no reading) counts as 0. */
  readonly meteredWh: number | null;
  /** Buy orders: what clearing left in escrow. */
  readonly escrow: number;
  /** Buyers' standing for the station's EV-delivered energy: R_EB, then order time, then id. */
  readonly reputationPpm: number;
  readonly seq: number;
}

/** A cross-station trade of the window (decision 0015). */
export interface SettlingCross {
  readonly askHex: string;
  readonly bidHex: string;
  readonly energyWh: number;
  readonly price: number;
  readonly fee: number;
}

/** A station's clearing price and tariff. */
export interface StationPrices {
  readonly price: number;
  readonly feedIn: number;
  readonly retail: number;
}

/** What settlement does with one order. */
export interface OrderShare {
  /** Energy exchanged with EVs at the station, at other stations, and with the grid, and paid for. */
  readonly evWh: number;
  readonly crossWh: number;
  readonly gridWh: number;
  /** Seller: paid by cross buyers. Buyer: paid for cross energy, wheeling fees included. */
  readonly crossAmount: number;
  /** Seller: paid by the grid. Buyer: paid to the grid. */
  readonly gridAmount: number;
  /** Buyer: everything taken from its escrow. */
  readonly charged: number;
  /** Paid out to the order's address: the seller's payment, the buyer's refund. */
  readonly amount: number;
  /** Seller: matched energy not delivered. Buyer: EV energy (here and across) its sellers did not deliver. */
  readonly shortfallWh: number;
}

export interface StationTotals {
  deliveredWh: number;
  paid: number;
  crossOutDeliveredWh: number;
  crossInDeliveredWh: number;
  wheelingPaid: number;
  toGridDeliveredWh: number;
  fromGridDeliveredWh: number;
  gridPaid: number;
  gridReceived: number;
  refunded: number;
}

const zero = (): StationTotals => ({
  deliveredWh: 0,
  paid: 0,
  crossOutDeliveredWh: 0,
  crossInDeliveredWh: 0,
  wheelingPaid: 0,
  toGridDeliveredWh: 0,
  fromGridDeliveredWh: 0,
  gridPaid: 0,
  gridReceived: 0,
  refunded: 0,
});

/**
 * Who delivered what to whom, and who pays whom (DESIGN §6; decisions 0005,
 * 0010, 0015). Every seller's reading goes first to its match at its own
 * station, then to its cross-station matches (in the order given), then to
 * the grid. A station's EV-delivered energy is shared among its buyers by
 * standing; a cross match is bilateral, so its buyer receives exactly what
 * its seller delivered on it. A buyer is charged for the EV energy delivered
 * to it whatever its own reading (the seller kept its side), and for grid
 * energy only as far as its reading shows it drew it. So buyers' payments
 * equal sellers' receipts plus wheeling fees, and the grid pays only for
 * energy metered into it.
 */
export function shareSettlement(
  orders: readonly SettlingOrder[],
  crosses: readonly SettlingCross[],
  prices: ReadonlyMap<string, StationPrices>,
): { shares: Map<string, OrderShare>; totals: Map<string, StationTotals> } {
  const shares = new Map<string, OrderShare>();
  const totals = new Map<string, StationTotals>();
  const total = (station: string) => {
    const t = totals.get(station) ?? zero();
    totals.set(station, t);
    return t;
  };
  const bySide = (side: 'askHex' | 'bidHex') => {
    const m = new Map<string, SettlingCross[]>();
    for (const c of crosses) {
      const list = m.get(c[side]);
      if (list) list.push(c);
      else m.set(c[side], [c]);
    }
    return (hex: string) => m.get(hex) ?? [];
  };
  const crossesOfAsk = bySide('askHex');
  const crossesOfBid = bySide('bidHex');
  /** Energy its seller delivered on each cross match. */
  const deliveredOn = new Map<SettlingCross, number>();

  for (const o of orders) {
    if (o.side !== 'sell') continue;
    const p = prices.get(o.station)!;
    const t = total(o.station);
    let reading = o.meteredWh ?? 0;
    const ev = Math.min(reading, o.matchedWh);
    reading -= ev;
    let crossWh = 0;
    let crossAmount = 0;
    for (const c of crossesOfAsk(o.idHex)) {
      const d = Math.min(reading, c.energyWh);
      reading -= d;
      deliveredOn.set(c, d);
      crossWh += d;
      crossAmount += d * c.price;
    }
    const grid = Math.min(reading, o.gridMatchedWh);
    t.deliveredWh += ev;
    t.paid += ev * p.price;
    t.crossOutDeliveredWh += crossWh;
    t.toGridDeliveredWh += grid;
    t.gridPaid += grid * p.feedIn;
    shares.set(o.idHex, {
      evWh: ev,
      crossWh,
      gridWh: grid,
      crossAmount,
      gridAmount: grid * p.feedIn,
      charged: 0,
      amount: ev * p.price + crossAmount + grid * p.feedIn,
      shortfallWh: o.matchedWh + o.crossMatchedWh + o.gridMatchedWh - ev - crossWh - grid,
    });
  }

  const buyers = orders
    .filter((o) => o.side === 'buy')
    .sort(
      (x, y) =>
        y.reputationPpm - x.reputationPpm ||
        x.seq - y.seq ||
        (x.idHex < y.idHex ? -1 : x.idHex > y.idHex ? 1 : 0),
    );
  const pool = new Map<string, number>();
  for (const [station, t] of totals) pool.set(station, t.deliveredWh);
  for (const o of buyers) {
    const p = prices.get(o.station)!;
    const t = total(o.station);
    const ev = Math.min(pool.get(o.station) ?? 0, o.matchedWh);
    pool.set(o.station, (pool.get(o.station) ?? 0) - ev);
    let crossWh = 0;
    let crossAmount = 0;
    let fees = 0;
    let crossMatched = 0;
    for (const c of crossesOfBid(o.idHex)) {
      const d = deliveredOn.get(c) ?? 0;
      crossMatched += c.energyWh;
      crossWh += d;
      crossAmount += d * (c.price + c.fee);
      fees += d * c.fee;
    }
    const grid = Math.min(o.gridMatchedWh, Math.max(0, (o.meteredWh ?? 0) - ev - crossWh));
    const charged = ev * p.price + crossAmount + grid * p.retail;
    t.crossInDeliveredWh += crossWh;
    t.wheelingPaid += fees;
    t.fromGridDeliveredWh += grid;
    t.gridReceived += grid * p.retail;
    t.refunded += o.escrow - charged;
    shares.set(o.idHex, {
      evWh: ev,
      crossWh,
      gridWh: grid,
      crossAmount,
      gridAmount: grid * p.retail,
      charged,
      amount: o.escrow - charged,
      shortfallWh: o.matchedWh - ev + crossMatched - crossWh,
    });
  }
  return { shares, totals };
}
