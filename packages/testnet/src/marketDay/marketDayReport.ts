import type { NodeClient, ReputationRow, StationResultJson } from '@v2g/client';
import { toHex } from '@v2g/core';
import { type EvKind, FAILING_ROLE } from './marketEv.ts';
import type { MarketReport, ReputationLine, StationLine, WindowLine } from './marketReport.ts';

/** What the report needs to know of a market-day EV. */
export interface ReportedEv {
  readonly name: string;
  readonly account: { readonly publicKey: Uint8Array };
  readonly kind: EvKind;
  readonly refused: ReadonlyMap<string, number>;
}

/** Every account's row of GET /v1/reputation, page by page (bounded), by account key. */
export async function reputationRows(
  client: NodeClient,
): Promise<{ rMinPpm: number; rows: Map<string, ReputationRow> }> {
  const rows = new Map<string, ReputationRow>();
  let rMinPpm = 0;
  let after: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await client.reputation(after === undefined ? { limit: 1000 } : { limit: 1000, after });
    rMinPpm = page.rMinPpm;
    for (const a of page.accounts) rows.set(a.account, a);
    if (!page.next) break;
    after = page.next;
  }
  return { rMinPpm, rows };
}

/** R_ES and R_EB of each EV, by name: one column of the report's per-window table. */
export function scoresOf(
  evs: readonly ReportedEv[],
  rows: Map<string, ReputationRow>,
): Record<string, [number, number]> {
  const scores: Record<string, [number, number]> = {};
  for (const ev of evs) {
    const row = rows.get(toHex(ev.account.publicKey));
    if (row) scores[ev.name] = [row.es, row.eb];
  }
  return scores;
}

export interface MarketDayTotals {
  readonly seed: number;
  readonly stations: number;
  readonly windows: WindowLine[];
  readonly reputationByWindow: MarketReport['reputationByWindow'];
  readonly orders: MarketReport['orders'];
  readonly readings: MarketReport['readings'];
  readonly untrustedRefusals: number;
}

/** The market part of the testnet report, from the day's counters and the chain's reputation table. */
export function buildMarketReport(
  evs: readonly ReportedEv[],
  reputation: { rMinPpm: number; rows: Map<string, ReputationRow> },
  t: MarketDayTotals,
): MarketReport {
  const rows: ReputationLine[] = [];
  for (const ev of evs) {
    const a = reputation.rows.get(toHex(ev.account.publicKey));
    if (!a) continue;
    rows.push({
      name: ev.name,
      account: a.account,
      kind: ev.kind,
      dishonest: ev.kind !== 'honest',
      r: a.r,
      es: a.es,
      eb: a.eb,
      untrusted: a.untrusted,
      untrustedAsSeller: a.untrustedAsSeller,
      untrustedAsBuyer: a.untrustedAsBuyer,
      sales: a.sales,
      purchases: a.purchases,
      refused: Object.fromEntries(ev.refused),
    });
  }
  rows.sort((a, b) => (a.name < b.name ? -1 : 1));
  const windows = [...t.windows].sort((a, b) => a.window - b.window);
  const traded = windows.flatMap((l) => l.stations.filter((s) => s.price !== null).map((s) => ({ l, s })));
  const dishonest = rows.filter((r) => r.dishonest);
  const total = (f: (s: StationLine) => number) =>
    windows.reduce((sum, w) => sum + w.stations.reduce((u, s) => u + f(s), 0), 0);
  const evToEvWh = total((s) => s.volumeWh);
  const crossStationWh = total((s) => s.crossInWh);
  const evToGridWh = total((s) => s.toGridWh);
  const sold = evToEvWh + crossStationWh + evToGridWh;
  // Shut out: untrusted in the role the kind fails in, and trusted in the other (decision 0008).
  const shutOut: Record<string, { evs: number; shutOut: number }> = {};
  for (const r of dishonest) {
    const role = FAILING_ROLE[r.kind as Exclude<EvKind, 'honest'>];
    const out =
      role === 'seller'
        ? r.untrustedAsSeller && !r.untrustedAsBuyer
        : r.untrustedAsBuyer && !r.untrustedAsSeller;
    const k = shutOut[r.kind] ?? { evs: 0, shutOut: 0 };
    shutOut[r.kind] = { evs: k.evs + 1, shutOut: k.shutOut + (out ? 1 : 0) };
  }
  return {
    seed: t.seed,
    evs: evs.length,
    stations: t.stations,
    dishonest: dishonest.length,
    rMinPpm: reputation.rMinPpm,
    windows,
    orders: t.orders,
    readings: t.readings,
    energy: {
      evToEvWh,
      crossStationWh,
      evToGridWh,
      gridToEvWh: total((s) => s.fromGridWh),
      unmetWh: total((s) => s.unmetWh),
      gridSharePermille: sold === 0 ? 0 : Math.round((1000 * evToGridWh) / sold),
    },
    reputation: rows,
    reputationByWindow: t.reputationByWindow,
    checks: {
      shutOut,
      tradedStationWindows: traded.length,
      pricesWithinTariff: traded.every(({ l, s }) => s.price! >= l.feedInPrice && s.price! <= l.retailPrice),
      dishonestBelowRMin: dishonest.filter((r) => r.untrusted).length,
      honestBelowRMin: rows.filter((r) => !r.dishonest && r.untrusted).length,
      untrustedRefusals: t.untrustedRefusals,
    },
  };
}

/** One station's line of a window, from the API's result (decisions 0010, 0015 keep the flows apart). */
export function stationLineOf(s: StationResultJson, station: number, settled: boolean): StationLine {
  return {
    leag: s.leag,
    station,
    price: s.price,
    volumeWh: s.volumeWh,
    supplyWh: s.supplyWh,
    demandWh: s.demandWh,
    crossOutWh: s.crossOutWh,
    crossInWh: s.crossInWh,
    wheelingFees: s.wheelingFees,
    toGridWh: s.toGridWh,
    fromGridWh: s.fromGridWh,
    unmetWh: s.unmetWh,
    deliveredWh: settled ? s.deliveredWh : 0,
    shortfallWh: settled ? s.shortfallWh : 0,
    toGridDeliveredWh: settled ? s.toGridDeliveredWh : 0,
    fromGridDeliveredWh: settled ? s.fromGridDeliveredWh : 0,
  };
}
