/**
 * Market and EV reputation API (DESIGN §6–8). Amounts in micro-units, energy
 * in Wh, prices in micro-units per Wh, reputation in ppm; bytes as lowercase
 * hex. Errors are `{"error": {"code", "message"}}` with a 4xx.
 *
 * GET  /v1/market/current
 *      The open window (orders for it and later windows are accepted), its
 *      first and closing height, blocks left, its tariff and the next one,
 *      windowBlocks, settlementWindows, rMinPpm.
 * GET  /v1/market/windows/:window?limit=&after=
 *      status (future | open | cleared | settled), closing and settlement
 *      heights, the grid tariff, one result per station (clearing price or
 *      null, marginal interval, concession step, supply, demand, EV-to-EV
 *      volume, EV-to-grid and grid-to-EV energy, unmet demand, orders left
 *      out as untrusted, escrow released, grid reserve; after settlement
 *      delivered, shortfall, energy delivered to and from the grid, paid,
 *      refunded, grid paid and received), and a page of per-order results: the orders with
 *      their matched energy and price until settlement, then the settlement
 *      records. `limit` 1..500 (default 100), `after` an order id; `next` is
 *      the cursor for the following page, or null.
 * GET  /v1/market/grid
 *      The grid operator's account (decision 0010): its key, the free
 *      balance it buys EV surplus from, and what clearing has reserved for
 *      purchases not yet settled.
 * GET  /v1/market/settlements/:window?limit=&after=
 *      The window's settlement: per station delivered, shortfall, paid and
 *      refunded, and a page of per-order settlement records (matched,
 *      metered, price, energy paid for, amount paid out, grid energy,
 *      success). Empty until the settlement deadline has passed.
 * GET  /v1/market/orders/:id
 *      One order (its id is its transaction id): status pending | open |
 *      cleared (matched) | unmatched | settled, the order record with its match (matchedWh, price,
 *      escrow released) while open, and its settlement record once settled.
 * GET  /v1/market/orders?account=<key>&status=&limit=
 *      An account's orders in one status (orderView.ts): open (default),
 *      cleared (matched), unmatched, or unsettled for all three (a scan of the
 *      unsettled orders, which hold at most settlementWindows + 1 windows), limit 1..500.
 * POST /v1/market/txs  {"tx": "<hex>"}
 *      Submits a sell-order, buy-order, meter-reading or grid-account. Like every
 *      submission, it is applied to the committed state as the next block
 *      would apply it. 202 {id, hash}, or a 400 with the market rule's code:
 *      untrusted, window-closed, no-tariff, price-out-of-bounds, escrow-short,
 *      duplicate, unregistered, wrong-signer, invalid-order, unknown-order,
 *      wrong-meter, not-cleared, not-matched, … POST /v1/txs answers the same;
 *      this endpoint only refuses other kinds.
 * GET  /v1/reputation?limit=&after=&untrusted=true|false
 *      EV accounts in key order with R, R_ES, R_EB (ppm), whether each role
 *      is untrusted (R_ES < R_min refuses its sell orders, R_EB < R_min its buy
 *      orders; decision 0008), `untrusted` if either is, and the success and
 *      failure counters; totals of accounts and untrusted accounts. `limit` 1..1000 (default 100), `after` a key.
 * GET  /v1/accounts/:key (server.ts) returns one account with its reputation.
 * GET  /v1/market/windows?from=&to=, GET /v1/reputation/:account/history:
 *      marketHistoryRoutes.ts.
 */

import type { AddResult, Mempool } from '@v2g/consensus';
import {
  decodeTx,
  evAccountCodec,
  fromHex,
  isUntrusted,
  isUntrustedIn,
  Keys,
  orderRecordCodec,
  readGridAccount,
  readOrder,
  readSettlement,
  readWindowOrders,
  readWindowResults,
  StateView,
  settlementRecordCodec,
  type Tx,
  tariffCodec,
  toHex,
  windowCloseHeight,
  windowOf,
  windowResultCodec,
} from '@v2g/core';
import type { NodeMetrics } from '../metrics/nodeMetrics.ts';
import type { ChainStore } from '../storage/chainStore.ts';
import type { ApiApp } from './apiApp.ts';
import { ApiError } from './apiError.ts';
import { registerMarketHistoryRoutes } from './marketHistoryRoutes.ts';
import { ORDER_STATUSES, orderStatus, orderView } from './orderView.ts';
import { singleTxBody } from './schemas.ts';
import { submissionResult } from './submissionResult.ts';

/** Kinds the market endpoint takes; everything else goes through POST /v1/txs. */
const MARKET_KINDS = ['sell-order', 'buy-order', 'meter-reading', 'grid-account'] as const;

export interface MarketRouteComponents {
  readonly chain: ChainStore;
  readonly mempool: Mempool;
  readonly metrics: NodeMetrics;
  submitTx(bytes: Uint8Array): AddResult | Promise<AddResult>;
}

const HEX64 = '^[0-9a-f]{64}$';
const MAX_WINDOW = 2 ** 40;

const pageQuery = (max: number) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: max, default: 100 },
      after: { type: 'string', pattern: HEX64 },
    },
  }) as const;

const windowParams = {
  type: 'object',
  required: ['window'],
  properties: { window: { type: 'integer', minimum: 0, maximum: MAX_WINDOW } },
} as const;

/** One page of a bucket in key order, starting after the leaf `after`. */
function page(
  view: StateView,
  bucket: string,
  limit: number,
  after: string | undefined,
): { entries: [string, Uint8Array][]; next: string | null } {
  const from = after === undefined ? '' : `${bucket}${after}`;
  const rest = view.scan(bucket).filter(([k]) => k > from);
  const entries = rest.slice(0, limit);
  const last = entries.at(-1);
  return { entries, next: rest.length > limit && last ? last[0].slice(bucket.length) : null };
}

export function registerMarketRoutes(app: ApiApp, c: MarketRouteComponents): void {
  registerMarketHistoryRoutes(app, c);
  const genesis = c.chain.genesis;
  const { windowBlocks, settlementWindows } = genesis.params.market;
  const rep = genesis.params.evReputation;
  const head = () => c.chain.head.height;
  const openWindow = () => windowOf(head() + 1, genesis);
  const tariffOf = (view: StateView, w: number) => {
    const t = view.read(tariffCodec, Keys.tariff(w));
    return t ? tariffCodec.toJson(t) : null;
  };
  const timeline = (w: number) => ({
    window: w,
    opensAt: w * windowBlocks + 1,
    closesAt: windowCloseHeight(w, genesis),
    settlesAt: windowCloseHeight(w + settlementWindows, genesis),
  });
  const statusOf = (w: number) => {
    const open = openWindow();
    if (w > open) return 'future';
    if (w === open) return 'open';
    return head() >= windowCloseHeight(w + settlementWindows, genesis) ? 'settled' : 'cleared';
  };

  app.get('/v1/market/current', async () => {
    const view = new StateView(c.chain.state);
    const w = openWindow();
    const t = timeline(w);
    return {
      height: head(),
      ...t,
      blocksLeft: t.closesAt - head(),
      tariff: tariffOf(view, w),
      nextTariff: tariffOf(view, w + 1),
      windowBlocks,
      settlementWindows,
      rMinPpm: rep.rMinPpm,
    };
  });

  app.get(
    '/v1/market/windows/:window',
    { schema: { params: windowParams, querystring: pageQuery(500) } },
    async (req) => {
      const w = req.params.window;
      const q = req.query;
      const view = new StateView(c.chain.state);
      const status = statusOf(w);
      const stations = readWindowResults(c.chain.state, w).map((r) => windowResultCodec.toJson(r));
      let orders: unknown[];
      let next: string | null;
      if (status === 'settled') {
        const p = page(view, Keys.settledOrders(w), q.limit, q.after);
        orders = p.entries.map(([key]) => settledJson(view, key));
        next = p.next;
      } else {
        // Unsettled orders: their index holds at most one window's orders.
        const all = readWindowOrders(c.chain.state, w).filter(
          (o) => q.after === undefined || toHex(o.id) > q.after,
        );
        const slice = all.slice(0, q.limit);
        orders = slice.map((o) => ({ id: toHex(o.id), ...orderJson(o.order) }));
        next = all.length > q.limit ? toHex(slice.at(-1)!.id) : null;
      }
      return { ...timeline(w), status, tariff: tariffOf(view, w), stations, orders, next };
    },
  );

  app.get('/v1/market/grid', async () => {
    const account = readGridAccount(c.chain.state);
    return { operator: toHex(genesis.gridOperatorKey), ...account };
  });

  app.get(
    '/v1/market/settlements/:window',
    { schema: { params: windowParams, querystring: pageQuery(500) } },
    async (req) => {
      const w = req.params.window;
      const q = req.query;
      const view = new StateView(c.chain.state);
      const stations = readWindowResults(c.chain.state, w)
        .filter((r) => r.settled)
        .map((r) => ({
          leag: toHex(r.leag),
          price: r.price,
          volumeWh: r.volumeWh,
          deliveredWh: r.deliveredWh,
          shortfallWh: r.shortfallWh,
          toGridWh: r.toGridWh,
          toGridDeliveredWh: r.toGridDeliveredWh,
          fromGridWh: r.fromGridWh,
          fromGridDeliveredWh: r.fromGridDeliveredWh,
          released: r.released,
          paid: r.paid,
          refunded: r.refunded,
          gridPaid: r.gridPaid,
          gridReceived: r.gridReceived,
        }));
      const p = page(view, Keys.settledOrders(w), q.limit, q.after);
      return {
        ...timeline(w),
        settled: statusOf(w) === 'settled',
        stations,
        settlements: p.entries.map(([key]) => settledJson(view, key)),
        next: p.next,
      };
    },
  );

  app.get(
    '/v1/market/orders/:id',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: HEX64 } },
        } as const,
      },
    },
    async (req) => {
      const idHex = req.params.id;
      const id = fromHex(idHex);
      const open = readOrder(c.chain.state, id);
      if (open) {
        return {
          id: idHex,
          status: orderStatus(open),
          ...timeline(open.window),
          order: orderJson(open),
          settlement: null,
        };
      }
      if (c.mempool.hasId(idHex)) return { id: idHex, status: 'pending' };
      // Settled orders are pruned from state; the block index still knows the order's window.
      const loc = await c.chain.locateTx(id);
      const tx = loc && (await c.chain.decodedBlockAt(loc.height))?.txs[loc.index];
      if (!tx) throw new ApiError('not-found', `no order ${idHex}: neither on the chain nor pending`);
      if (tx.body.kind !== 'sell-order' && tx.body.kind !== 'buy-order') {
        throw new ApiError('not-an-order', `transaction ${idHex} is a ${tx.body.kind}, not an order`);
      }
      const s = readSettlement(c.chain.state, tx.body.window, id);
      return {
        id: idHex,
        status: 'settled',
        ...timeline(tx.body.window),
        order: null,
        settlement: s ? settlementRecordCodec.toJson(s) : null,
      };
    },
  );

  app.get(
    '/v1/market/orders',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['account'],
          properties: {
            account: { type: 'string', pattern: HEX64 },
            status: { type: 'string', enum: [...ORDER_STATUSES, 'unsettled'], default: 'open' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const view = new StateView(c.chain.state);
      const orders: unknown[] = [];
      for (const [key] of view.scan('order/')) {
        const order = view.read(orderRecordCodec, key)!;
        if (toHex(order.account) !== q.account) continue;
        if (q.status !== 'unsettled' && orderStatus(order) !== q.status) continue;
        orders.push({ id: key.slice('order/'.length), ...orderJson(order) });
        if (orders.length >= q.limit) break;
      }
      return { account: q.account, orders };
    },
  );

  app.post('/v1/market/txs', { schema: { body: singleTxBody } }, async (req, reply) => {
    const bytes = fromHex(req.body.tx);
    let tx: Tx;
    try {
      tx = decodeTx(bytes);
    } catch (err) {
      throw new ApiError('malformed', err instanceof Error ? err.message : String(err));
    }
    if (!(MARKET_KINDS as readonly string[]).includes(tx.body.kind)) {
      throw new ApiError(
        'not-a-market-tx',
        `a ${tx.body.kind} goes to POST /v1/txs; this endpoint takes ${MARKET_KINDS.join(', ')}`,
      );
    }
    // The mempool applies it to the committed state as the next block would, so a refusal carries the rule's code.
    const r = await c.submitTx(bytes);
    if (!r.ok) throw new ApiError(r.code, r.reason);
    return reply.status(202).send(submissionResult(r));
  });

  app.get(
    '/v1/reputation',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            after: { type: 'string', pattern: HEX64 },
            untrusted: { type: 'boolean' },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const view = new StateView(c.chain.state);
      const from = q.after === undefined ? '' : `ev/${q.after}`;
      const accounts: unknown[] = [];
      let total = 0;
      let untrustedTotal = 0;
      let more = false;
      for (const [key] of view.scan('ev/')) {
        const ev = view.read(evAccountCodec, key)!;
        const untrusted = isUntrusted(ev.reputation, rep);
        total++;
        if (untrusted) untrustedTotal++;
        if (key <= from || (q.untrusted !== undefined && untrusted !== q.untrusted)) continue;
        if (accounts.length === q.limit) {
          more = true;
          continue;
        }
        const r = ev.reputation;
        accounts.push({
          account: toHex(ev.publicKey),
          leag: toHex(ev.leag),
          r: r.r,
          es: r.es,
          eb: r.eb,
          untrusted,
          untrustedAsSeller: isUntrustedIn(r, 'seller', rep),
          untrustedAsBuyer: isUntrustedIn(r, 'buyer', rep),
          sales: { succeeded: r.esSuccessCount, failed: r.esFailCount },
          purchases: { succeeded: r.ebSuccessCount, failed: r.ebFailCount },
        });
      }
      const last = accounts.at(-1) as { account: string } | undefined;
      return {
        rMinPpm: rep.rMinPpm,
        total,
        untrusted: untrustedTotal,
        accounts,
        next: more && last ? last.account : null,
      };
    },
  );
}

function orderJson(order: Parameters<typeof orderRecordCodec.toJson>[0]) {
  return orderView(order);
}

function settledJson(view: StateView, key: string) {
  const record = view.read(settlementRecordCodec, key)!;
  return { id: key.slice(key.lastIndexOf('/') + 1), ...(settlementRecordCodec.toJson(record) as object) };
}
