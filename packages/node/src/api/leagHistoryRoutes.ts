/**
 * GET /v1/leags/history?from=&to=
 *      Every LEAG's reputation, the committee (with vote weights) and the
 *      leader at the close of each market window from `from` to `to`
 *      (default: the last 10 closed windows; at most 100 per request),
 *      oldest first. Windows this LEAG has no record of are left out.
 */
import { windowOf } from '@v2g/core';
import type { ChainStore } from '../storage/chainStore.ts';
import type { ApiApp } from './apiApp.ts';
import { MAX_WINDOWS_PER_QUERY, WINDOW_RANGE_QUERY, windowRange } from './marketHistoryRoutes.ts';

export function registerLeagHistoryRoutes(app: ApiApp, c: { readonly chain: ChainStore }): void {
  const genesis = c.chain.genesis;
  app.get('/v1/leags/history', { schema: { querystring: WINDOW_RANGE_QUERY } }, async (req) => {
    const lastClosed = windowOf(c.chain.head.height + 1, genesis) - 1;
    const { from, to } = windowRange(req.query, Math.max(0, lastClosed));
    return { from, to, windows: await c.chain.leagHistory.range(from, to, MAX_WINDOWS_PER_QUERY) };
  });
}
