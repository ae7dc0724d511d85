import { toHex } from '../crypto/hash.ts';

/** State keys: `<bucket>/<leaf>`. Bucket names are part of the state digest: never rename one. */

export const Keys = {
  tip: 'meta/tip',
  utxo: (txId: Uint8Array, index: number) => `utxo/${toHex(txId)}:${index}`,
  /** Spent outpoints are remembered for `SPENT_RETENTION_BLOCKS`, so a late double spend gets its own error. */
  spent: (txId: Uint8Array, index: number) => `spent/${toHex(txId)}:${index}`,
  spentAt: (height: number) => `spent-at/${height}/`,
  leag: (key: Uint8Array) => `leag/${toHex(key)}`,
  leagBucket: 'leag/',
  ev: (key: Uint8Array) => `ev/${toHex(key)}`,
  meter: (key: Uint8Array) => `meter/${toHex(key)}`,
  tariff: (window: number) => `tariff/${window}`,
  deposit: (leag: Uint8Array, reference: number) => `deposit/${toHex(leag)}:${reference}`,
  depositTotal: (window: number, leag: Uint8Array) => `deposit-total/${window}/${toHex(leag)}`,
  order: (id: Uint8Array) => `order/${toHex(id)}`,
  /** Index of a window's orders, all stations: cleared and settled by scanning this bucket. */
  windowOrders: (window: number) => `window-order/${window}/`,
  windowOrder: (window: number, id: Uint8Array) => `window-order/${window}/${toHex(id)}`,
  windowResults: (window: number) => `window-result/${window}/`,
  windowResult: (window: number, leag: Uint8Array) => `window-result/${window}/${toHex(leag)}`,
  settledOrders: (window: number) => `settled/${window}/`,
  settledOrder: (window: number, id: Uint8Array) => `settled/${window}/${toHex(id)}`,
  /** A window's cross-station trades, by seller order then buyer order (decision 0015). */
  crossMatches: (window: number) => `cross-match/${window}/`,
  crossMatch: (window: number, ask: Uint8Array, bid: Uint8Array) =>
    `cross-match/${window}/${toHex(ask)}:${toHex(bid)}`,
  /** Chain-wide order counter: an order's time for rationing (height, then place in block). */
  orderSeq: 'market/order-seq',
  /** The grid operator's account: what the grid pays EV sellers from and EV buyers pay into (decision 0010). */
  gridAccount: 'grid-account/grid',
} as const;

export const SPENT_RETENTION_BLOCKS = 100_000;
