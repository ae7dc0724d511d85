import { toHex, type WindowResult } from '@v2g/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MarketEvent } from '../api/marketEvents.ts';

/** The kinds of matched energy, as the `kind` label of `v2g_market_matched_wh_total`. */
export const MATCH_KINDS = ['ev-to-ev', 'cross-station', 'ev-to-grid', 'grid-to-ev'] as const;

/**
 * Market metrics, in the API's units (Wh, micro-units per Wh), from the
 * market events of committed blocks: every LEAG reads them from the same
 * chain, so every LEAG reports the same figures. Counters count what this
 * process saw committed, block sync included.
 */
export function createMarketMetrics(register: Registry) {
  const registers = [register];
  const clearingPrice = new Gauge({
    name: 'v2g_market_clearing_price',
    help: 'Clearing price of the EV-to-EV auction per station in the last cleared window, micro-units per Wh (no series for a station where no EV traded with another)',
    labelNames: ['leag', 'station'] as const,
    registers,
  });
  const lastCleared = new Gauge({
    name: 'v2g_market_last_cleared_window',
    help: 'The last market window a committed block cleared',
    registers,
  });
  const windowsCleared = new Counter({
    name: 'v2g_market_windows_cleared_total',
    help: 'Market windows cleared by committed blocks',
    registers,
  });
  const windowsSettled = new Counter({
    name: 'v2g_market_windows_settled_total',
    help: 'Market windows settled by committed blocks',
    registers,
  });
  const matchedWh = new Counter({
    name: 'v2g_market_matched_wh_total',
    help: 'Energy matched at clearing, Wh, by kind (ev-to-ev at one station, cross-station, ev-to-grid, grid-to-ev)',
    labelNames: ['kind'] as const,
    registers,
  });
  const offeredWh = new Counter({
    name: 'v2g_market_offered_wh_total',
    help: 'Energy the orders of cleared windows offered (supply) and asked for (demand), Wh',
    labelNames: ['side'] as const,
    registers,
  });
  const ordersSettled = new Counter({
    name: 'v2g_market_orders_settled_total',
    help: 'Orders settled, by outcome: delivered (fully metered), failed (matched, metered short or not at all), unmatched',
    labelNames: ['outcome'] as const,
    registers,
  });
  const ordersLeftOut = new Counter({
    name: 'v2g_market_orders_left_out_total',
    help: "Orders left out of their window's auction because their account fell below R_min in the order's role after placing them",
    registers,
  });
  const ordersRefused = new Counter({
    name: 'v2g_market_orders_refused_total',
    help: 'Sell and buy orders submitted to this LEAG (API) and refused, by transaction kind and error code (e.g. untrusted, price-out-of-bounds, window-closed)',
    labelNames: ['kind', 'code'] as const,
    registers,
  });
  // Every series from the start, so a rate over a fresh LEAG is 0 rather than absent.
  for (const kind of MATCH_KINDS) matchedWh.inc({ kind }, 0);
  for (const outcome of ['delivered', 'failed', 'unmatched']) ordersSettled.inc({ outcome }, 0);
  for (const side of ['supply', 'demand']) offeredWh.inc({ side }, 0);

  /** `names`: station names by LEAG key (hex), for the `station` label. */
  const cleared = (window: number, results: readonly WindowResult[], names: ReadonlyMap<string, string>) => {
    windowsCleared.inc();
    lastCleared.set(window);
    clearingPrice.reset();
    for (const r of results) {
      const leag = toHex(r.leag);
      if (r.price !== null) clearingPrice.set({ leag, station: names.get(leag) ?? leag }, r.price);
      matchedWh.inc({ kind: 'ev-to-ev' }, r.volumeWh);
      matchedWh.inc({ kind: 'cross-station' }, r.crossOutWh);
      matchedWh.inc({ kind: 'ev-to-grid' }, r.toGridWh);
      matchedWh.inc({ kind: 'grid-to-ev' }, r.fromGridWh);
      offeredWh.inc({ side: 'supply' }, r.supplyWh);
      offeredWh.inc({ side: 'demand' }, r.demandWh);
      ordersLeftOut.inc(r.untrustedOrders);
    }
  };

  return {
    ordersRefused,
    /** Counts what a committed block's market event says. */
    observe(e: MarketEvent, names: ReadonlyMap<string, string>): void {
      if (e.topic === 'market-window-cleared') {
        cleared(e.data.window, e.results, names);
        return;
      }
      windowsSettled.inc();
      const o = e.data.orders;
      ordersSettled.inc({ outcome: 'delivered' }, o.delivered);
      ordersSettled.inc({ outcome: 'failed' }, o.failed);
      ordersSettled.inc({ outcome: 'unmatched' }, o.unmatched);
    },
  };
}

export type MarketMetrics = ReturnType<typeof createMarketMetrics>;
