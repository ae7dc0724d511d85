import { type OrderRecord, orderRecordCodec } from '@v2g/core';

/**
 * Where an unsettled order stands, as the API names it:
 * - `open`: its window has not cleared yet;
 * - `cleared`: its window cleared and it was matched (with EVs at its
 *   station, across stations or with the grid) — energy to deliver or take;
 * - `unmatched`: its window cleared and nothing matched it.
 * The record's own `cleared` flag says only that the auction has run; the
 * API used to show it as `cleared: true` on orders with `matchedWh: 0`.
 */
export type OrderStatus = 'open' | 'cleared' | 'unmatched';

export const ORDER_STATUSES = ['open', 'cleared', 'unmatched'] as const;

/** All energy matched to the order, Wh. */
export function matchedTotalWh(o: OrderRecord): number {
  return o.matchedWh + o.crossMatchedWh + o.gridMatchedWh;
}

export function orderStatus(o: OrderRecord): OrderStatus {
  if (!o.cleared) return 'open';
  return matchedTotalWh(o) > 0 ? 'cleared' : 'unmatched';
}

/** The order record's JSON with `cleared` true only when something matched, and its status. */
export function orderView(o: OrderRecord): Record<string, unknown> {
  const json = orderRecordCodec.toJson(o) as Record<string, unknown>;
  const status = orderStatus(o);
  return { ...json, status, cleared: status === 'cleared', matchedTotalWh: matchedTotalWh(o) };
}
