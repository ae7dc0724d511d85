import { Keys } from '../state/keys.ts';
import { evAccountCodec } from '../state/records.ts';
import type { StateView } from '../state/stateView.ts';
import { type OrderRecord, orderRecordCodec } from './orderRecord.ts';

export interface StoredOrder {
  readonly id: Uint8Array;
  /** Lowercase hex of id: the clearing's tie-breaker and the sort key. */
  readonly idHex: string;
  readonly order: OrderRecord;
}

export interface Station {
  readonly leag: Uint8Array;
  /** Orders in id order. */
  readonly orders: readonly StoredOrder[];
}

/**
 * A window's orders grouped by station (DESIGN §6: "a market is per station"),
 * stations in key order and orders in id order, so every node walks them the
 * same way whatever order they arrived in.
 */
export function stationsOf(view: StateView, window: number): Station[] {
  const bucket = Keys.windowOrders(window);
  const byLeag = new Map<string, StoredOrder[]>();
  for (const [key] of view.scan(bucket)) {
    const idHex = key.slice(bucket.length);
    const id = new Uint8Array(Buffer.from(idHex, 'hex'));
    const order = view.read(orderRecordCodec, Keys.order(id));
    if (!order) throw new Error(`state is inconsistent: indexed order ${idHex} is missing`);
    const leag = Buffer.from(order.leag).toString('hex');
    let list = byLeag.get(leag);
    if (!list) {
      list = [];
      byLeag.set(leag, list);
    }
    list.push({ id, idHex, order });
  }
  return [...byLeag.keys()].sort().map((leag) => ({
    leag: new Uint8Array(Buffer.from(leag, 'hex')),
    orders: byLeag.get(leag)!,
  }));
}

/** Reads each account once: (R_ES, R_EB) as they stand now. */
export function reputationReader(view: StateView): (account: Uint8Array) => { es: number; eb: number } {
  const cache = new Map<string, { es: number; eb: number }>();
  return (account) => {
    const key = Keys.ev(account);
    let rep = cache.get(key);
    if (!rep) {
      const ev = view.read(evAccountCodec, key);
      rep = { es: ev?.reputation.es ?? 0, eb: ev?.reputation.eb ?? 0 };
      cache.set(key, rep);
    }
    return rep;
  };
}
