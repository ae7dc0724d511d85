import {
  type Genesis,
  type Json,
  Keys,
  readWindowResults,
  type StateReader,
  StateView,
  settlementRecordCodec,
  type WindowResult,
  windowCloseHeight,
  windowOf,
  windowResultCodec,
} from '@v2g/core';

/**
 * The market's events on the event stream (issue 10), read from the window
 * results the chain records (`window-result/<w>/`), the same records
 * `GET /v1/market/windows` answers with. Energy in Wh, prices in micro-units
 * per Wh.
 */

/** Energy of one window by kind, summed over its stations. */
export interface MarketVolumes {
  readonly supplyWh: number;
  readonly demandWh: number;
  /** Matched EV-to-EV at the EVs' own station. */
  readonly evToEvWh: number;
  /** Matched EV-to-EV across stations (each match counted once, at the seller's station). */
  readonly crossStationWh: number;
  readonly evToGridWh: number;
  readonly gridToEvWh: number;
  readonly unmetWh: number;
}

/** `market-window-cleared`: the block at a window's closing height cleared it. */
export interface MarketWindowClearedEvent {
  readonly window: number;
  /** The closing block. */
  readonly height: number;
  readonly totals: MarketVolumes;
  /** Orders left out of the auction because their account fell below R_min in the order's role. */
  readonly untrustedOrders: number;
  /** One result per station that had orders, as `stations` in `GET /v1/market/windows`. */
  readonly stations: readonly Json[];
}

/** What settlement made of a window's orders. */
export interface SettledOrders {
  readonly settled: number;
  /** Matched, and the meter confirmed all of it. */
  readonly delivered: number;
  /** Matched, and the meter confirmed less (or no reading came). */
  readonly failed: number;
  /** Nothing matched. */
  readonly unmatched: number;
}

/** `market-window-settled`: the block at the settlement deadline paid for what the meters confirmed. */
export interface MarketWindowSettledEvent {
  readonly window: number;
  /** The block that settled it (the closing block of window + settlementWindows). */
  readonly height: number;
  readonly orders: SettledOrders;
  /** Energy the meters confirmed, by kind, summed over the stations. */
  readonly deliveredWh: {
    readonly evToEvWh: number;
    readonly crossStationWh: number;
    readonly evToGridWh: number;
    readonly gridToEvWh: number;
  };
  /** Matched EV-to-EV energy the sellers did not deliver. */
  readonly shortfallWh: number;
  readonly stations: readonly Json[];
}

/** A market event with the window results it was read from (for metrics). */
export type MarketEvent =
  | {
      readonly topic: 'market-window-cleared';
      readonly data: MarketWindowClearedEvent;
      readonly results: readonly WindowResult[];
    }
  | {
      readonly topic: 'market-window-settled';
      readonly data: MarketWindowSettledEvent;
      readonly results: readonly WindowResult[];
    };

/**
 * The market events of the block at `height`, on the state it left. The
 * block closing window w settles w − settlementWindows, then clears w
 * (core `marketRules`); the events come in that order. Empty for every other
 * block.
 */
export function marketEventsAt(state: StateReader, genesis: Genesis, height: number): MarketEvent[] {
  const window = windowOf(height, genesis);
  if (height !== windowCloseHeight(window, genesis)) return [];
  const events: MarketEvent[] = [];
  const due = window - genesis.params.market.settlementWindows;
  if (due >= 0) {
    const results = readWindowResults(state, due);
    events.push({ topic: 'market-window-settled', data: settledEvent(state, due, height, results), results });
  }
  const results = readWindowResults(state, window);
  events.push({ topic: 'market-window-cleared', data: clearedEvent(window, height, results), results });
  return events;
}

/** The `stations` of a window in the API's JSON form (shared with `GET /v1/market/windows`). */
export function stationResultsJson(results: readonly WindowResult[]): Json[] {
  return results.map((r) => windowResultCodec.toJson(r));
}

function clearedEvent(
  window: number,
  height: number,
  results: readonly WindowResult[],
): MarketWindowClearedEvent {
  return {
    window,
    height,
    totals: {
      supplyWh: sum(results, (r) => r.supplyWh),
      demandWh: sum(results, (r) => r.demandWh),
      evToEvWh: sum(results, (r) => r.volumeWh),
      crossStationWh: sum(results, (r) => r.crossOutWh),
      evToGridWh: sum(results, (r) => r.toGridWh),
      gridToEvWh: sum(results, (r) => r.fromGridWh),
      unmetWh: sum(results, (r) => r.unmetWh),
    },
    untrustedOrders: sum(results, (r) => r.untrustedOrders),
    stations: stationResultsJson(results),
  };
}

function settledEvent(
  state: StateReader,
  window: number,
  height: number,
  results: readonly WindowResult[],
): MarketWindowSettledEvent {
  return {
    window,
    height,
    orders: settledOrders(state, window),
    deliveredWh: {
      evToEvWh: sum(results, (r) => r.deliveredWh),
      crossStationWh: sum(results, (r) => r.crossOutDeliveredWh),
      evToGridWh: sum(results, (r) => r.toGridDeliveredWh),
      gridToEvWh: sum(results, (r) => r.fromGridDeliveredWh),
    },
    shortfallWh: sum(results, (r) => r.shortfallWh),
    stations: stationResultsJson(results),
  };
}

/** Counts a settled window's orders by outcome, from the settlement records (`settled/<w>/`). */
function settledOrders(state: StateReader, window: number): SettledOrders {
  const view = new StateView(state);
  const counts = { settled: 0, delivered: 0, failed: 0, unmatched: 0 };
  for (const [key] of view.scan(Keys.settledOrders(window))) {
    const record = view.read(settlementRecordCodec, key);
    if (!record) continue;
    counts.settled++;
    // `success` is "matched and fully metered" (settleWindow), the outcome reputation counts.
    if (record.success) counts.delivered++;
    else if (record.matchedWh + record.crossMatchedWh + record.gridMatchedWh > 0) counts.failed++;
    else counts.unmatched++;
  }
  return counts;
}

function sum(results: readonly WindowResult[], f: (r: WindowResult) => number): number {
  return results.reduce((s, r) => s + f(r), 0);
}
