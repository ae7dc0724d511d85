import { Keys } from '../state/keys.ts';
import { type EvReputation, evAccountCodec } from '../state/records.ts';
import { StateView } from '../state/stateView.ts';
import type { StateReader } from '../state/store.ts';
import { type GridAccount, readGridAccountFrom } from './gridAccount.ts';
import { type OrderRecord, orderRecordCodec } from './orderRecord.ts';
import { type ReputationPoint, readReputationPoints } from './reputationHistory.ts';
import { type SettlementRecord, settlementRecordCodec } from './settlementRecord.ts';
import { type WindowResult, windowResultCodec } from './windowResult.ts';

/** Read-only helpers for the API. */

/** An order from acceptance until its window settles (settled orders are pruned; see settlementTxId). */
export function readOrder(state: StateReader, id: Uint8Array): OrderRecord | undefined {
  return new StateView(state).read(orderRecordCodec, Keys.order(id));
}

/** One station's result for a window; readWindowResults lists every station's in key order. */
export function readWindowResult(
  state: StateReader,
  window: number,
  leag: Uint8Array,
): WindowResult | undefined {
  return new StateView(state).read(windowResultCodec, Keys.windowResult(window, leag));
}

export function readWindowResults(state: StateReader, window: number): WindowResult[] {
  const view = new StateView(state);
  return view.scan(Keys.windowResults(window)).map(([key]) => view.read(windowResultCodec, key)!);
}

/** The grid operator's account: free balance and what clearing reserved for buying EV surplus (decision 0010). */
export function readGridAccount(state: StateReader): GridAccount {
  return readGridAccountFrom(new StateView(state));
}

/** An account's reputation after each window it traded in settled, oldest first (kept MARKET_RETENTION_WINDOWS). */
export function readReputationHistory(state: StateReader, accountKey: Uint8Array): ReputationPoint[] {
  return readReputationPoints(new StateView(state), accountKey);
}

export function readEvReputation(state: StateReader, accountKey: Uint8Array): EvReputation | undefined {
  return new StateView(state).read(evAccountCodec, Keys.ev(accountKey))?.reputation;
}

/** A window's open orders at every station, in id order (empty once the window has settled). */
export function readWindowOrders(
  state: StateReader,
  window: number,
): { readonly id: Uint8Array; readonly order: OrderRecord }[] {
  const view = new StateView(state);
  const bucket = Keys.windowOrders(window);
  return view.scan(bucket).map(([key]) => {
    const id = new Uint8Array(Buffer.from(key.slice(bucket.length), 'hex'));
    return { id, order: view.read(orderRecordCodec, Keys.order(id))! };
  });
}

/** What settlement paid or refunded for an order of `window` (kept MARKET_RETENTION_WINDOWS windows). */
export function readSettlement(
  state: StateReader,
  window: number,
  id: Uint8Array,
): SettlementRecord | undefined {
  return new StateView(state).read(settlementRecordCodec, Keys.settledOrder(window, id));
}
