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
import { ApiError } from './apiError.ts';
import { MAX_WINDOWS_PER_QUERY } from './marketHistoryRoutes.ts';

const MAX_WINDOW = 2 ** 40;

export function registerLeagHistoryRoutes(app: ApiApp, c: { readonly chain: ChainStore }): void {
  const genesis = c.chain.genesis;
  app.get(
    '/v1/leags/history',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'integer', minimum: 0, maximum: MAX_WINDOW },
            to: { type: 'integer', minimum: 0, maximum: MAX_WINDOW },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const lastClosed = windowOf(c.chain.head.height + 1, genesis) - 1;
      const to = q.to ?? Math.max(0, lastClosed);
      const from = q.from ?? Math.max(0, to - 9);
      if (from > to) throw new ApiError('invalid-request', `from ${from} is after to ${to}`);
      if (to - from + 1 > MAX_WINDOWS_PER_QUERY) {
        throw new ApiError('invalid-request', `at most ${MAX_WINDOWS_PER_QUERY} windows per request`);
      }
      return { from, to, windows: await c.chain.leagHistory.range(from, to, MAX_WINDOWS_PER_QUERY) };
    },
  );
}
