/**
 * The OpenAPI description of each topic of `GET /v1/events` (eventStream.ts):
 * the `data` of its frames. Energy in Wh, prices in micro-units per Wh.
 */

const int = { type: 'integer' } as const;
const wh = (description: string) => ({ type: 'integer', description: `${description}, Wh` }) as const;
const hex = { type: 'string', pattern: '^[0-9a-f]*$' } as const;

const blockEvent = {
  type: 'object',
  title: 'block',
  description: 'data of each `event: block` frame: a committed block',
  required: ['height', 'hash', 'txs', 'timestamp', 'txIds'],
  properties: {
    height: int,
    hash: hex,
    txs: { ...int, description: 'transactions in the block' },
    timestamp: { ...int, description: 'block time, ms since the Unix epoch' },
    txIds: { type: 'array', items: hex },
  },
} as const;

const stations = {
  type: 'array',
  description:
    'one result per station that had orders, as `stations` in GET /v1/market/windows (the settlement fields are 0 until the window settles)',
  items: {
    type: 'object',
    required: [
      'window',
      'leag',
      'price',
      'supplyWh',
      'demandWh',
      'volumeWh',
      'crossOutWh',
      'toGridWh',
      'fromGridWh',
    ],
    properties: {
      window: int,
      leag: { ...hex, description: "the station's LEAG key" },
      retailPrice: int,
      feedInPrice: int,
      price: {
        type: ['integer', 'null'],
        description:
          'clearing price of the EV-to-EV auction, micro-units per Wh; null when no EV traded with another',
      },
      supplyWh: wh('offered'),
      demandWh: wh('asked for'),
      volumeWh: wh('matched EV-to-EV at the station'),
      crossOutWh: wh("this station's sellers to buyers at other stations"),
      crossInWh: wh("this station's buyers from sellers at other stations"),
      toGridWh: wh('EV-to-grid: unsold supply the grid bought at feed-in'),
      fromGridWh: wh('grid-to-EV: unmet demand the grid supplies at retail'),
      unmetWh: wh('demand left unserved'),
      untrustedOrders: {
        ...int,
        description: 'orders left out: their account fell below R_min in their role',
      },
      settled: { type: 'boolean' },
      deliveredWh: wh('at settlement, EV-to-EV energy the meters confirmed'),
      shortfallWh: wh('at settlement, matched EV-to-EV energy not delivered'),
    },
  },
} as const;

const windowClearedEvent = {
  type: 'object',
  title: 'market-window-cleared',
  description:
    'data of each `event: market-window-cleared` frame: the block at a window’s closing height cleared it (one per window, stations empty when it had no orders)',
  required: ['window', 'height', 'totals', 'untrustedOrders', 'stations'],
  properties: {
    window: int,
    height: { ...int, description: 'the closing block' },
    totals: {
      type: 'object',
      description: 'summed over the stations',
      required: ['supplyWh', 'demandWh', 'evToEvWh', 'crossStationWh', 'evToGridWh', 'gridToEvWh', 'unmetWh'],
      properties: {
        supplyWh: wh('offered'),
        demandWh: wh('asked for'),
        evToEvWh: wh('matched EV-to-EV at one station'),
        crossStationWh: wh('matched EV-to-EV across stations, each match once'),
        evToGridWh: wh('bought by the grid'),
        gridToEvWh: wh('supplied by the grid'),
        unmetWh: wh('demand left unserved'),
      },
    },
    untrustedOrders: { ...int, description: 'orders left out of the auction for their reputation' },
    stations,
  },
} as const;

const windowSettledEvent = {
  type: 'object',
  title: 'market-window-settled',
  description:
    'data of each `event: market-window-settled` frame: the block at the settlement deadline (the close of window + settlementWindows) paid for what the meters confirmed',
  required: ['window', 'height', 'orders', 'deliveredWh', 'shortfallWh', 'stations'],
  properties: {
    window: int,
    height: { ...int, description: 'the block that settled it' },
    orders: {
      type: 'object',
      required: ['settled', 'delivered', 'failed', 'unmatched'],
      properties: {
        settled: int,
        delivered: { ...int, description: 'matched, and the meter confirmed all of it' },
        failed: { ...int, description: 'matched, and the meter confirmed less or sent no reading' },
        unmatched: { ...int, description: 'nothing matched' },
      },
    },
    deliveredWh: {
      type: 'object',
      description: 'energy the meters confirmed, by kind',
      properties: {
        evToEvWh: int,
        crossStationWh: int,
        evToGridWh: int,
        gridToEvWh: int,
      },
    },
    shortfallWh: wh('matched EV-to-EV energy the sellers did not deliver'),
    stations,
  },
} as const;

/** Each frame's `data`, by topic. */
export const streamEventSchema = { oneOf: [blockEvent, windowClearedEvent, windowSettledEvent] } as const;
