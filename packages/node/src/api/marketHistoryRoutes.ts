/**
 * Market history API (issue 10). Energy in Wh, prices in micro-units per Wh,
 * reputation in ppm; bytes as lowercase hex.
 *
 * GET  /v1/market/windows?from=&to=
 *      Results per window and station for windows from..to (at most
 *      MAX_WINDOWS_PER_QUERY, default the last 10 up to the open window): each
 *      window's status, tariff and per-station results — EV-to-EV volume and
 *      price, cross-station energy out and in with wheeling fees, EV-to-grid
 *      and grid-to-EV energy, unmet demand, and after settlement what was
 *      delivered (decisions 0010, 0015). Kept MARKET_RETENTION_WINDOWS.
 * GET  /v1/reputation/:account/history
 *      An EV account's <R, R_ES, R_EB> after each window it traded in
 *      settled, oldest first, with R_min and whether each role is trusted now.
 */
import {
  fromHex,
  isUntrustedIn,
  Keys,
  readEvReputation,
  readReputationHistory,
  readWindowResults,
  StateView,
  tariffCodec,
  windowCloseHeight,
  windowOf,
} from '@v2g/core';
import type { ChainStore } from '../storage/chainStore.ts';
import type { ApiApp } from './apiApp.ts';
import { ApiError } from './apiError.ts';
import { stationResultsJson } from './marketEvents.ts';

export const MAX_WINDOWS_PER_QUERY = 100;
const MAX_WINDOW = 2 ** 40;
const HEX64 = '^[0-9a-f]{64}$';

/** `?from=&to=` over market windows (GET /v1/market/windows, GET /v1/leags/history). */
export const WINDOW_RANGE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'integer', minimum: 0, maximum: MAX_WINDOW },
    to: { type: 'integer', minimum: 0, maximum: MAX_WINDOW },
  },
} as const;

/** The windows a `?from=&to=` names: `to` defaults to `last`, `from` to the 10 windows up to `to`; at most 100. */
export function windowRange(q: { from?: number; to?: number }, last: number): { from: number; to: number } {
  const to = q.to ?? last;
  const from = q.from ?? Math.max(0, to - 9);
  if (from > to) throw new ApiError('invalid-request', `from ${from} is after to ${to}`);
  if (to - from + 1 > MAX_WINDOWS_PER_QUERY) {
    throw new ApiError('invalid-request', `at most ${MAX_WINDOWS_PER_QUERY} windows per request`);
  }
  return { from, to };
}

export function registerMarketHistoryRoutes(app: ApiApp, c: { readonly chain: ChainStore }): void {
  const genesis = c.chain.genesis;
  const { settlementWindows } = genesis.params.market;
  const params = genesis.params.evReputation;
  const head = () => c.chain.head.height;
  const statusOf = (w: number) => {
    const open = windowOf(head() + 1, genesis);
    if (w > open) return 'future';
    if (w === open) return 'open';
    return head() >= windowCloseHeight(w + settlementWindows, genesis) ? 'settled' : 'cleared';
  };

  app.get(
    '/v1/market/windows',
    {
      schema: { querystring: WINDOW_RANGE_QUERY },
    },
    async (req) => {
      const { from, to } = windowRange(req.query, windowOf(head() + 1, genesis));
      const view = new StateView(c.chain.state);
      const windows = [];
      for (let w = from; w <= to; w++) {
        const tariff = view.read(tariffCodec, Keys.tariff(w));
        windows.push({
          window: w,
          status: statusOf(w),
          closesAt: windowCloseHeight(w, genesis),
          tariff: tariff ? tariffCodec.toJson(tariff) : null,
          stations: stationResultsJson(readWindowResults(c.chain.state, w)),
        });
      }
      return { from, to, windows };
    },
  );

  app.get(
    '/v1/reputation/:account/history',
    {
      schema: {
        params: {
          type: 'object',
          required: ['account'],
          properties: { account: { type: 'string', pattern: HEX64 } },
        } as const,
      },
    },
    async (req) => {
      const hex = req.params.account;
      const account = fromHex(hex);
      const now = readEvReputation(c.chain.state, account);
      if (!now) throw new ApiError('not-found', `no EV account ${hex}`);
      return {
        account: hex,
        rMinPpm: params.rMinPpm,
        now: {
          r: now.r,
          es: now.es,
          eb: now.eb,
          untrustedAsSeller: isUntrustedIn(now, 'seller', params),
          untrustedAsBuyer: isUntrustedIn(now, 'buyer', params),
        },
        history: readReputationHistory(c.chain.state, account),
      };
    },
  );
}
