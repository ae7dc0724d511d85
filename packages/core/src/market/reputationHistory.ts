import { toHex } from '../crypto/hash.ts';
import { type Codec, struct, uint } from '../encoding/codec.ts';
import type { EvReputation } from '../state/records.ts';
import type { StateView } from '../state/stateView.ts';

/**
 * An EV account's reputation after each window it traded in settled
 * (bucket `rep-history/<account>/<window>`, indexed by window for pruning),
 * kept MARKET_RETENTION_WINDOWS like settlement records: the API's
 * reputation history.
 */
export interface ReputationPoint {
  /** The market window whose trades moved it. */
  readonly window: number;
  readonly r: number;
  readonly es: number;
  readonly eb: number;
}

export const reputationPointCodec: Codec<ReputationPoint> = struct<ReputationPoint>({
  window: uint,
  r: uint,
  es: uint,
  eb: uint,
});

/** Windows are zero-padded so that a bucket scan returns them in order. */
const pad = (window: number) => String(window).padStart(15, '0');

export const HistoryKeys = {
  account: (account: Uint8Array) => `rep-history/${toHex(account)}/`,
  point: (account: Uint8Array, window: number) => `rep-history/${toHex(account)}/${pad(window)}`,
  byWindow: (window: number) => `rep-history-at/${pad(window)}/`,
  index: (window: number, account: Uint8Array) => `rep-history-at/${pad(window)}/${toHex(account)}`,
} as const;

export function recordReputationPoint(
  view: StateView,
  account: Uint8Array,
  window: number,
  rep: EvReputation,
): void {
  view.write(reputationPointCodec, HistoryKeys.point(account, window), {
    window,
    r: rep.r,
    es: rep.es,
    eb: rep.eb,
  });
  view.write(uint, HistoryKeys.index(window, account), 0);
}

/** Drops window w's points of every account. */
export function pruneReputationPoints(view: StateView, window: number): void {
  const bucket = HistoryKeys.byWindow(window);
  for (const [key] of view.scan(bucket)) {
    const account = new Uint8Array(Buffer.from(key.slice(bucket.length), 'hex'));
    view.delete(HistoryKeys.point(account, window));
    view.delete(key);
  }
}

export function readReputationPoints(view: StateView, account: Uint8Array): ReputationPoint[] {
  return view.scan(HistoryKeys.account(account)).map(([key]) => view.read(reputationPointCodec, key)!);
}
