import type { EvKind } from './marketEv.ts';

/** The market part of the testnet report (also written with --json). */

export interface StationLine {
  readonly leag: string;
  /** Index of the LEAG in the testnet (leag-i). */
  readonly station: number;
  /** Clearing price, null when nothing traded. */
  readonly price: number | null;
  /** EV-to-EV energy matched at the clearing price. */
  readonly volumeWh: number;
  readonly supplyWh: number;
  readonly demandWh: number;
  /** EV-to-EV across stations (decision 0015): sold to other stations, bought from them, fees committed. */
  readonly crossOutWh: number;
  readonly crossInWh: number;
  readonly wheelingFees: number;
  /** EV-to-grid (bought by the grid at feed-in), grid-to-EV (supplied at retail), demand unserved on chain. */
  readonly toGridWh: number;
  readonly fromGridWh: number;
  readonly unmetWh: number;
  /** After settlement: what sellers' meters confirmed, and the matched energy they failed to deliver. */
  readonly deliveredWh: number;
  readonly shortfallWh: number;
  /** After settlement: energy metered to and from the grid. */
  readonly toGridDeliveredWh: number;
  readonly fromGridDeliveredWh: number;
}

export interface WindowLine {
  readonly window: number;
  /** The hour of the compressed day (one window per hour). */
  readonly hour: number;
  readonly retailPrice: number;
  readonly feedInPrice: number;
  /** Orders of the testnet's EVs the API accepted, and those it refused. */
  sellOrders: number;
  buyOrders: number;
  refused: number;
  stations: StationLine[];
  settled: boolean;
}

export interface ReputationLine {
  readonly name: string;
  readonly account: string;
  readonly kind: EvKind;
  readonly dishonest: boolean;
  readonly r: number;
  readonly es: number;
  readonly eb: number;
  /** Either role below R_min; and per role (decision 0008). */
  readonly untrusted: boolean;
  readonly untrustedAsSeller: boolean;
  readonly untrustedAsBuyer: boolean;
  readonly sales: { succeeded: number; failed: number };
  readonly purchases: { succeeded: number; failed: number };
  /** The API's refusals of this EV's orders, by code. */
  readonly refused: Record<string, number>;
}

export interface MarketReport {
  readonly seed: number;
  readonly evs: number;
  readonly stations: number;
  readonly dishonest: number;
  readonly rMinPpm: number;
  readonly windows: WindowLine[];
  readonly orders: {
    readonly placed: number;
    readonly accepted: number;
    readonly committed: number;
    readonly refused: Record<string, number>;
    /** Buy intents dropped because the EV's wallet could not cover the escrow. */
    readonly unfunded: number;
  };
  readonly readings: { readonly submitted: number; readonly refused: Record<string, number> };
  /** Energy over the day, EV-to-EV, across stations and with the grid kept apart (0010, 0015), as cleared. */
  readonly energy: {
    readonly evToEvWh: number;
    readonly crossStationWh: number;
    readonly evToGridWh: number;
    readonly gridToEvWh: number;
    readonly unmetWh: number;
    /** Of all energy EVs sold, the share the grid bought, in permille. */
    readonly gridSharePermille: number;
  };
  readonly reputation: ReputationLine[];
  /** After each settled window, every EV's R_ES and R_EB (ppm), by name. */
  readonly reputationByWindow: {
    readonly window: number;
    readonly scores: Record<string, [number, number]>;
  }[];
  readonly checks: {
    /** Per dishonest kind: how many EVs, and how many are untrusted in the role they fail in (and nowhere else). */
    readonly shutOut: Record<string, { readonly evs: number; readonly shutOut: number }>;
    readonly tradedStationWindows: number;
    /** Every clearing price within [feed-in, retail] of its window. */
    readonly pricesWithinTariff: boolean;
    readonly dishonestBelowRMin: number;
    readonly honestBelowRMin: number;
    readonly untrustedRefusals: number;
  };
}

const PRICE_WIDTH = 20;
const kwh = (wh: number) => (wh / 1000).toFixed(0).padStart(5);
const ppm = (x: number) => (x / 1e6).toFixed(3);

export function formatMarketReport(m: MarketReport): string {
  const lines = [
    '',
    `market day: ${m.evs} EVs (${m.dishonest} dishonest, marked *), seed ${m.seed}; prices in micro-units/Wh, energy in kWh`,
    "price per station: '-' no EV-to-EV trade, '.' no orders; EV→EV at the price, →grid bought by the grid at feed-in, grid→ supplied at retail; delivered and shortfall (EV→EV) once settled",
    `window hour  feed-in retail  sells buys refused  ${'price at leag-0/1/…'.padEnd(PRICE_WIDTH)} EV→EV across →grid grid→  unmet  supply demand  delivered shortfall`,
  ];
  for (const w of m.windows) {
    // '-': nothing traded at the station; '.': it had no orders.
    const prices = Array.from({ length: m.stations }, (_, i) => {
      const s = w.stations.find((x) => x.station === i);
      return s ? (s.price === null ? '-' : String(s.price)) : '.';
    }).join('/');
    const sum = (f: (s: StationLine) => number) => w.stations.reduce((t, s) => t + f(s), 0);
    lines.push(
      [
        String(w.window).padStart(6),
        `${String(w.hour).padStart(2, '0')}:00`,
        String(w.feedInPrice).padStart(8),
        String(w.retailPrice).padStart(6),
        String(w.sellOrders).padStart(6),
        String(w.buyOrders).padStart(4),
        String(w.refused).padStart(7),
        ` ${(w.stations.length > 0 ? prices : 'no orders').padEnd(PRICE_WIDTH)}`,
        kwh(sum((s) => s.volumeWh)),
        kwh(sum((s) => s.crossInWh)).padStart(6),
        kwh(sum((s) => s.toGridWh)).padStart(6),
        kwh(sum((s) => s.fromGridWh)).padStart(5),
        kwh(sum((s) => s.unmetWh)).padStart(6),
        kwh(sum((s) => s.supplyWh)).padStart(7),
        kwh(sum((s) => s.demandWh)).padStart(6),
        w.settled ? kwh(sum((s) => s.deliveredWh)).padStart(10) : '         -',
        w.settled ? kwh(sum((s) => s.shortfallWh)).padStart(9) : '        -',
      ].join(' '),
    );
  }
  lines.push(
    '',
    `EV reputation (R_min ${ppm(m.rMinPpm)}):`,
    'EV     kind              R      R_ES   R_EB   sold ok/failed  bought ok/failed  untrusted  refused orders',
  );
  for (const r of m.reputation) {
    lines.push(
      [
        r.name.padEnd(6),
        r.kind.padEnd(14),
        ppm(r.r).padStart(6),
        ppm(r.es).padStart(6),
        ppm(r.eb).padStart(6),
        `${r.sales.succeeded}/${r.sales.failed}`.padStart(15),
        `${r.purchases.succeeded}/${r.purchases.failed}`.padStart(17),
        (r.untrustedAsSeller && r.untrustedAsBuyer
          ? 'both'
          : r.untrustedAsSeller
            ? 'as seller'
            : r.untrustedAsBuyer
              ? 'as buyer'
              : 'no'
        ).padStart(10),
        ` ${JSON.stringify(r.refused)}`,
      ].join(' '),
    );
  }
  lines.push(
    '',
    'R_ES/R_EB (%) after each settled window:',
    `window ${m.reputationByWindow.map((w) => String(w.window).padStart(7)).join('')}`,
  );
  for (const r of m.reputation) {
    const cells = m.reputationByWindow.map((w) => {
      const x = w.scores[r.name];
      return x ? `${Math.floor(x[0] / 10_000)}/${Math.floor(x[1] / 10_000)}` : '-';
    });
    lines.push(`${r.name.padEnd(6)} ${cells.map((c) => c.padStart(7)).join('')}`);
  }
  const c = m.checks;
  lines.push(
    '',
    `orders: ${m.orders.placed} placed, ${m.orders.accepted} accepted, ${m.orders.committed} committed, refused ${JSON.stringify(m.orders.refused)}${m.orders.unfunded ? `, ${m.orders.unfunded} not funded` : ''}`,
    `meter readings: ${m.readings.submitted} submitted, refused ${JSON.stringify(m.readings.refused)}`,
    `energy cleared: EV→EV ${kwh(m.energy.evToEvWh).trim()} kWh at the station, ${kwh(m.energy.crossStationWh).trim()} kWh across stations, EV→grid ${kwh(m.energy.evToGridWh).trim()} kWh (${(m.energy.gridSharePermille / 10).toFixed(1)} % of what EVs sold), grid→EV ${kwh(m.energy.gridToEvWh).trim()} kWh, unmet ${kwh(m.energy.unmetWh).trim()} kWh`,
    `clearing prices within the tariff: ${c.pricesWithinTariff ? 'yes' : 'NO'} (${c.tradedStationWindows} station-windows traded)`,
    `dishonest EVs below R_min: ${c.dishonestBelowRMin} of ${m.dishonest}; honest EVs below R_min: ${c.honestBelowRMin}; orders refused as untrusted: ${c.untrustedRefusals}`,
    `shut out in the role they fail in: ${Object.entries(c.shutOut)
      .map(([kind, x]) => `${kind} ${x.shutOut}/${x.evs}`)
      .join(', ')}`,
  );
  return lines.join('\n');
}
