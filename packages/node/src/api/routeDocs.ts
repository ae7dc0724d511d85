import { streamEventSchema } from './eventDocs.ts';
import { acceptedSchema, batchAnswerSchema } from './submissionResult.ts';

/**
 * What the OpenAPI document says about each route beyond its request schemas
 * (which come from the routes themselves): a summary, a tag, and the answer's
 * shape where it is worth stating. Keyed by `METHOD /path` as Fastify knows
 * the route; a test checks every route the API serves is here.
 */
export interface RouteDoc {
  readonly tag: 'chain' | 'transactions' | 'market' | 'reputation' | 'operations' | 'pages';
  readonly summary: string;
  readonly description?: string;
  /** The 2xx answer: its status, a description and, for JSON answers, a schema. */
  readonly response?: { status: number; description: string; schema?: object; contentType?: string };
}

const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const hex = { type: 'string', pattern: '^[0-9a-f]*$' } as const;

const health = {
  type: 'object',
  required: ['status', 'reasons', 'height', 'peers', 'mempool', 'syncing', 'consensus'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unhealthy'] },
    reasons: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          condition: str,
          message: str,
          since: { ...int, description: 'ms since the Unix epoch' },
        },
      },
    },
    height: int,
    peers: int,
    mempool: int,
    syncing: { type: 'boolean' },
    consensus: str,
  },
} as const;

const submit = (summary: string, description?: string): RouteDoc => ({
  tag: 'transactions',
  summary,
  ...(description ? { description } : {}),
  response: { status: 202, description: 'accepted into the mempool', schema: acceptedSchema },
});

const batch = (summary: string): RouteDoc => ({
  tag: 'transactions',
  summary,
  response: { status: 200, description: 'one result per transaction, in order', schema: batchAnswerSchema },
});

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /v1/txs': submit(
    'Submit one transaction (CBOR, hex)',
    'A refusal is a 4xx error carrying the rule code.',
  ),
  'POST /v1/txs/json': submit('Submit one transaction in its JSON form'),
  'POST /v1/txs/batch': batch('Submit up to 2,000 transactions (hex)'),
  'POST /v1/txs/cbor': batch(
    'Submit a binary batch: a CBOR list of transaction byte strings (application/cbor)',
  ),
  'GET /v1/txs/:id': {
    tag: 'transactions',
    summary:
      'A transaction: pending, dropped (with its code), or committed with its RFC 6962 inclusion proof',
  },
  'GET /v1/head': {
    tag: 'chain',
    summary: 'The head: height, block hash, state root',
    response: {
      status: 200,
      description: 'the head',
      schema: { type: 'object', properties: { height: int, hash: hex, stateRoot: hex } },
    },
  },
  'GET /v1/chain': {
    tag: 'chain',
    summary: 'Chain id, genesis hash, block interval, market window length, genesis LEAGs and parameters',
    response: {
      status: 200,
      description: 'fixed for the life of the chain',
      schema: {
        type: 'object',
        properties: {
          chainId: str,
          genesisHash: hex,
          genesisTime: int,
          blockIntervalMs: int,
          windowBlocks: int,
          settlementWindows: int,
          leags: {
            type: 'array',
            items: { type: 'object', properties: { name: str, publicKey: hex, peerId: str } },
          },
        },
      },
    },
  },
  'GET /v1/blocks/:ref': { tag: 'chain', summary: 'A block by height or hash, with its commit certificate' },
  'GET /v1/accounts/:key': {
    tag: 'reputation',
    summary: 'An EV account with <R, R_ES, R_EB> (ppm) and counters, or a LEAG with its reputation',
  },
  'GET /v1/addresses/:address': {
    tag: 'chain',
    summary: "A wallet address's UTXOs and balance (micro-units)",
  },
  'GET /v1/committee': {
    tag: 'chain',
    summary: 'The committee for the next height, with reputations (ppm)',
    response: {
      status: 200,
      description: 'the committee',
      schema: {
        type: 'object',
        properties: {
          height: int,
          members: {
            type: 'array',
            items: { type: 'object', properties: { publicKey: hex, name: str, reputationPpm: int } },
          },
        },
      },
    },
  },
  'GET /v1/peers': { tag: 'operations', summary: 'Connected peers and their LEAG keys' },
  'GET /v1/health': {
    tag: 'operations',
    summary: 'Health: 200 ok, or 503 unhealthy with the conditions that hold',
    response: { status: 200, description: 'healthy (a 503 has the same shape)', schema: health },
  },
  'GET /metrics': {
    tag: 'operations',
    summary: 'Prometheus metrics',
    response: { status: 200, description: 'text exposition format', contentType: 'text/plain' },
  },
  'GET /v1/events': {
    tag: 'chain',
    summary: 'Server-sent events: committed blocks, and market windows as they clear and settle',
    description:
      'text/event-stream. `topics` names what to follow (comma-separated; default `block`): `block` after every committed block, `market-window-cleared` when a block clears a market window (per station clearing price, EV-to-EV, cross-station, EV-to-grid and grid-to-EV energy, supply and demand), `market-window-settled` when a window’s settlement completes (orders delivered, failed, unmatched; energy delivered). Each event is a frame `event: <topic>` with a JSON `data` line, in commit order; a block closing a window sends `block`, then `market-window-settled` (for the window whose deadline it is), then `market-window-cleared`. A subscriber that does not read is disconnected once apiStreamBufferBytes wait for it; beyond the stream caps the answer is 429 too-many-streams.',
    response: {
      status: 200,
      description: 'an endless event stream; each frame’s data is one of these, by its event name',
      schema: streamEventSchema,
      contentType: 'text/event-stream',
    },
  },
  'GET /v1/market/current': {
    tag: 'market',
    summary: 'The open window, its closing height, tariffs, window length, R_min',
  },
  'GET /v1/market/windows/:window': {
    tag: 'market',
    summary: "A window's tariff, per-station clearing (Wh, micro-units per Wh) and per-order results (paged)",
  },
  'GET /v1/market/windows': {
    tag: 'market',
    summary: 'Results per window and station for up to 100 windows',
  },
  'GET /v1/market/grid': { tag: 'market', summary: "The grid operator's account: free balance and reserve" },
  'GET /v1/market/settlements/:window': {
    tag: 'market',
    summary: "A window's settlement per station and per order",
  },
  'GET /v1/market/orders/:id': {
    tag: 'market',
    summary:
      'One order: pending, open, cleared (matched), unmatched or settled, with its match and settlement',
  },
  'GET /v1/market/orders': {
    tag: 'market',
    summary: "An account's orders by status: open (default), cleared, unmatched, or unsettled",
  },
  'POST /v1/market/txs': submit(
    'Submit a sell order, buy order, meter reading or grid-account transaction',
    'Checked against the state as the next block would apply it; a refusal carries the market rule code (e.g. untrusted).',
  ),
  'GET /v1/reputation': {
    tag: 'reputation',
    summary: 'EV reputation table (ppm), with who is untrusted per role (paged)',
  },
  'GET /v1/reputation/:account/history': {
    tag: 'reputation',
    summary: "An EV's <R, R_ES, R_EB> after each window it traded in settled",
  },
  'GET /v1/leags/history': {
    tag: 'chain',
    summary: "Every LEAG's reputation, the committee and the leader at the close of each market window",
  },
  'GET /openapi.json': { tag: 'pages', summary: 'This document (OpenAPI 3.1)' },
  'GET /docs': {
    tag: 'pages',
    summary: 'The API reference as a page',
    response: { status: 200, description: 'HTML', contentType: 'text/html' },
  },
  'GET /': {
    tag: 'pages',
    summary: 'The live dashboard: chain, LEAGs and committee, market windows, settlement, EV reputation',
    response: { status: 200, description: 'HTML', contentType: 'text/html' },
  },
  'GET /ui/:file': {
    tag: 'pages',
    summary: "The pages' scripts and styles, and the chart library (uPlot), served from the package",
    response: { status: 200, description: 'JavaScript or CSS', contentType: 'text/javascript' },
  },
};
