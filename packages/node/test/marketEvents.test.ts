import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  buyOrderTx,
  depositTx,
  gridAccountTx,
  meterReadingTx,
  registerEvTx,
  registerMeterTx,
  sellOrderTx,
  tariffTx,
  transferTx,
} from '@v2g/client';
import { ChainExecutor, cachedVoteVerifier, createChainMempool, type Mempool } from '@v2g/consensus';
import {
  blockHash,
  combineRules,
  compareBytes,
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  encodeTx,
  type Genesis,
  generateKeyPair,
  type KeyPair,
  ledgerRules,
  marketRules,
  type Tx,
  toHex,
  txId,
  walletAddress,
} from '@v2g/core';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { MarketWindowClearedEvent, MarketWindowSettledEvent } from '../src/api/marketEvents.ts';
import { createApi } from '../src/api/server.ts';
import { SliceQueue } from '../src/mempool/sliceQueue.ts';
import { createNodeMetrics } from '../src/metrics/nodeMetrics.ts';
import { publishCommit } from '../src/node/commitEvents.ts';
import { TxIngress } from '../src/node/txIngress.ts';
import { ChainStore } from '../src/storage/chainStore.ts';

/**
 * Issue 10's market events and metrics, end to end in one process: real
 * blocks through the real executor and market rules, committed blocks
 * published as the daemon does (publishCommit), orders submitted through the
 * daemon's transaction ingress, and the events read from GET /v1/events over
 * HTTP. Four stations, windows of 4 blocks settling one window later; one
 * window carries every kind of match: EV-to-EV at station A, A to B across
 * stations (wheeling fee 20; every other pair 1,000, so nothing else
 * crosses), C's floor-priced supply to the grid, and D's demand at retail
 * from the grid. One failed delivery drops a seller below R_min.
 */
const env = { chainId: 'v2g-market-events' };
const ra = generateKeyPair();
const grid = generateKeyPair();
const [a, b, c, d] = [0, 1, 2, 3].map(() => generateKeyPair()) as [KeyPair, KeyPair, KeyPair, KeyPair];
const key = () => generateKeyPair();
const ev = { s1: key(), b1: key(), b2: key(), s3: key(), b3: key(), s4: key() };
const meters = { a: key(), b: key(), c: key(), d: key() };
const wallets = { b1: key(), b2: key(), b3: key() };
const address = () => walletAddress(generateKeyPair().publicKey);
const RETAIL = 300;
const FEED_IN = 100;

const genesis: Genesis = {
  chainId: env.chainId,
  genesisTime: 0,
  raKey: ra.publicKey,
  gridOperatorKey: grid.publicKey,
  leags: [a, b, c, d].map((k, i) => ({
    publicKey: k.publicKey,
    name: `leag-${'abcd'[i]}`,
    reputationPpm: 500_000,
  })),
  params: {
    consensus: { ...defaultConsensusParams, committeeSize: 0 },
    market: { ...defaultMarketParams, windowBlocks: 4, settlementWindows: 1 },
    evReputation: {
      ...defaultEvReputationParams,
      lossMaxPpm: 1_000_000,
      lossMinPpm: 1_000_000,
      lossVolumeWh: 1,
    },
  },
  allocations: [],
};

interface Frame {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

let dir: string;
let chain: ChainStore;
let mempool: Mempool;
let executor: ChainExecutor;
let ingress: TxIngress;
let app: FastifyInstance;
let registry: Registry;
let url: string;
const streams = new AbortController();
/** What a subscriber to the market topics, and one with the default topics, received. */
const market: Frame[] = [];
const plain: Frame[] = [];

async function nextBlock(): Promise<void> {
  const height = chain.head.height + 1;
  const block = executor.propose(height, 0, null);
  await executor.commit(block, { height, round: 0, blockHash: blockHash(block.header), signatures: [] });
}

async function blocksUntil(height: number): Promise<void> {
  while (chain.head.height < height) await nextBlock();
}

/** Submits through the ingress, as POST /v1/market/txs does; returns the refusal code or null. */
function submit(tx: Tx): string | null {
  const r = ingress.submit(encodeTx(tx));
  return r.ok ? null : r.code;
}

function accept(tx: Tx): void {
  const code = submit(tx);
  assert.equal(code, null, `refused: ${code}`);
}

/** Reads `GET /v1/events<query>` into `into` until the test ends. */
async function follow(query: string, into: Frame[]): Promise<void> {
  const res = await fetch(`${url}/v1/events${query}`, { signal: streams.signal });
  assert.equal(res.status, 200);
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data) into.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      // aborted at the end of the test
    }
  })();
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (const started = Date.now(); !done(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() - started > 5000) assert.fail(`timed out waiting for ${what}`);
  }
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  const match = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return match?.value;
}

const cleared = (w: number) => market.find((f) => f.event === 'market-window-cleared' && f.data.window === w);
const settled = (w: number) => market.find((f) => f.event === 'market-window-settled' && f.data.window === w);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'v2g-market-events-'));
  chain = await ChainStore.open(dir, genesis);
  mempool = createChainMempool(genesis, { maxTxs: 1000, maxBytes: 1 << 24 });
  registry = new Registry();
  const metrics = createNodeMetrics(registry);
  const events = new EventEmitter();
  executor = new ChainExecutor({
    storage: chain,
    genesis,
    rules: combineRules(ledgerRules, marketRules),
    mempool,
    proposer: a.publicKey,
    now: () => Date.now(),
    verifyVote: cachedVoteVerifier(),
    lastCertificate: null,
    observer: {
      committed: (committed) =>
        publishCommit({ genesis, state: () => chain.state, events, metrics }, committed),
    },
  });
  ingress = new TxIngress({
    mempool,
    state: () => chain.state,
    metrics,
    checks: new SliceQueue(5),
    publish: () => undefined,
    unavailable: () => null,
  });
  app = createApi(
    {
      chain,
      mempool,
      registry,
      metrics,
      logger: pino({ level: 'silent' }),
      events,
      submitTx: (bytes) => ingress.submit(bytes),
      peers: () => [],
      committee: () => [],
      status: () => ({ syncing: false, consensus: 'test' }),
    },
    { bodyLimit: 1 << 20 },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const bound = app.server.address();
  url = `http://127.0.0.1:${typeof bound === 'object' && bound ? bound.port : 0}`;
  await follow('?topics=market-window-cleared,market-window-settled', market);
  await follow('', plain);

  // Block 1 (window 0): tariffs, EVs and meters at their stations, deposits for the buyers and the grid.
  const [pa, pb] = [a.publicKey, b.publicKey].sort(compareBytes) as [Uint8Array, Uint8Array];
  for (let w = 0; w < 8; w++)
    accept(tariffTx(env, grid, w, RETAIL, FEED_IN, { fee: 1000, pairs: [{ a: pa, b: pb, fee: 20 }] }));
  for (const [k, at] of [
    [ev.s1, a],
    [ev.b1, a],
    [ev.s4, a],
    [ev.b2, b],
    [ev.s3, c],
    [ev.b3, d],
  ] as const)
    accept(registerEvTx(env, ra, k, at.publicKey));
  for (const [m, at] of [
    [meters.a, a],
    [meters.b, b],
    [meters.c, c],
    [meters.d, d],
  ] as const)
    accept(registerMeterTx(env, ra, m, at.publicKey));
  const fundA = depositTx(env, a, 0, 1, [
    { address: walletAddress(wallets.b1.publicKey), amount: 1_000_000 },
    { address: walletAddress(grid.publicKey), amount: 1_000_000 },
  ]);
  const fundB = depositTx(env, b, 0, 1, [
    { address: walletAddress(wallets.b2.publicKey), amount: 1_000_000 },
  ]);
  const fundD = depositTx(env, d, 0, 1, [
    { address: walletAddress(wallets.b3.publicKey), amount: 1_000_000 },
  ]);
  for (const tx of [fundA, fundB, fundD]) accept(tx);
  await nextBlock();

  // Block 2: the grid funds its account; the orders for window 1 (heights 5..8), and one of s3's for window 3.
  accept(gridAccountTx(env, grid, 1, [{ txId: txId(fundA), index: 1 }], []));
  const sell = (
    k: KeyPair,
    at: KeyPair,
    window: number,
    energyWh: number,
    expectedPrice: number,
    minPrice: number,
  ) =>
    sellOrderTx(env, k, { leag: at.publicKey, window, energyWh, expectedPrice, minPrice, payout: address() });
  const buy = (k: KeyPair, at: KeyPair, wallet: KeyPair, fund: Tx, energyWh: number, maxPrice: number) =>
    buyOrderTx(
      env,
      k,
      { leag: at.publicKey, window: 1, energyWh, maxPrice, refund: address() },
      [{ outpoint: { txId: txId(fund), index: 0 }, key: wallet }],
      [{ address: address(), amount: 1_000_000 - energyWh * maxPrice }],
    );
  const orders = {
    s1: sell(ev.s1, a, 1, 3000, 250, 150),
    s4: sell(ev.s4, a, 1, 500, 300, 290),
    s3: sell(ev.s3, c, 1, 1500, FEED_IN, FEED_IN),
    b1: buy(ev.b1, a, wallets.b1, fundA, 2000, 280),
    b2: buy(ev.b2, b, wallets.b2, fundB, 1000, 250),
    b3: buy(ev.b3, d, wallets.b3, fundD, 800, RETAIL),
  };
  for (const tx of Object.values(orders)) accept(tx);
  const ahead = sell(ev.s3, c, 3, 500, FEED_IN, FEED_IN);
  accept(ahead);
  await blocksUntil(8); // window 1 clears at the close of height 8

  // s1, b1 and b2 are metered in full, b3 short (700 of 800 Wh), s3 not at all; s4 matched nothing.
  const read = (m: KeyPair, order: Tx, wh: number) => accept(meterReadingTx(env, m, 1, txId(order), wh));
  read(meters.a, orders.s1, 3000);
  read(meters.a, orders.b1, 2000);
  read(meters.b, orders.b2, 1000);
  read(meters.d, orders.b3, 700);
});

after(async () => {
  streams.abort();
  await app.close();
  await chain.close();
  await rm(dir, { recursive: true, force: true });
});

test('a block closing a window sends market-window-cleared with what GET /v1/market/windows reports', async () => {
  await until('window 1 cleared', () => cleared(1) !== undefined);
  const event = cleared(1)!.data as unknown as MarketWindowClearedEvent;
  assert.equal(event.height, 8);
  const res = await app.inject({ method: 'GET', url: '/v1/market/windows?from=1&to=1' });
  const [window] = res.json().windows as { stations: unknown[] }[];
  assert.deepEqual(event.stations, window!.stations, 'the same per-station results as the API');
  assert.deepEqual(event.totals, {
    supplyWh: 3000 + 500 + 1500,
    demandWh: 2000 + 1000 + 800,
    evToEvWh: 2000,
    crossStationWh: 1000,
    evToGridWh: 1500,
    gridToEvWh: 800,
    unmetWh: 0,
  });
  const stationA = event.stations.find((s) => (s as { leag: string }).leag === toHex(a.publicKey)) as {
    price: number;
  };
  assert.ok(stationA.price >= 250 && stationA.price <= 280, `price ${stationA.price}`);

  // The gauge holds the last cleared window's prices: station A's; C and D matched no EV with another.
  assert.equal(
    await metric('v2g_market_clearing_price', { station: 'leag-a', leag: toHex(a.publicKey) }),
    stationA.price,
  );
  assert.equal(await metric('v2g_market_clearing_price', { station: 'leag-c' }), undefined);
  assert.equal(await metric('v2g_market_last_cleared_window'), 1);
  for (const [kind, wh] of [
    ['ev-to-ev', 2000],
    ['cross-station', 1000],
    ['ev-to-grid', 1500],
    ['grid-to-ev', 800],
  ] as const)
    assert.equal(await metric('v2g_market_matched_wh_total', { kind }), wh, kind);
  assert.equal(await metric('v2g_market_offered_wh_total', { side: 'supply' }), 5000);
});

test('market-window-settled counts delivered, failed and unmatched orders once the deadline passes', async () => {
  await blocksUntil(12); // window 1 settles at the close of window 2
  await until('window 1 settled', () => settled(1) !== undefined);
  const event = settled(1)!.data as unknown as MarketWindowSettledEvent;
  assert.equal(event.height, 12);
  assert.deepEqual(event.orders, { settled: 6, delivered: 3, failed: 2, unmatched: 1 });
  assert.deepEqual(event.deliveredWh, {
    evToEvWh: 2000,
    crossStationWh: 1000,
    evToGridWh: 0,
    gridToEvWh: 700,
  });
  const res = await app.inject({ method: 'GET', url: '/v1/market/windows?from=1&to=1' });
  assert.deepEqual(event.stations, res.json().windows[0].stations);
  assert.equal(await metric('v2g_market_windows_settled_total'), 2, 'windows 0 and 1');
  assert.equal(await metric('v2g_market_orders_settled_total', { outcome: 'delivered' }), 3);
  assert.equal(await metric('v2g_market_orders_settled_total', { outcome: 'failed' }), 2);
  assert.equal(await metric('v2g_market_orders_settled_total', { outcome: 'unmatched' }), 1);
});

test('each closing block settles, then clears, and every window clears once', async () => {
  await blocksUntil(16);
  await until('window 3 cleared', () => cleared(3) !== undefined);
  assert.deepEqual(
    market.map((f) => `${f.event.replace('market-window-', '')} ${f.data.window}`),
    ['cleared 0', 'settled 0', 'cleared 1', 'settled 1', 'cleared 2', 'settled 2', 'cleared 3'],
  );
  assert.equal(await metric('v2g_market_windows_cleared_total'), 4);
  // s3 failed in window 1, fell below R_min as a seller, and its order placed ahead for window 3 is left out.
  assert.equal((cleared(3)!.data as unknown as MarketWindowClearedEvent).untrustedOrders, 1);
  assert.equal(await metric('v2g_market_orders_left_out_total'), 1);
  assert.equal(
    await metric('v2g_market_clearing_price', { station: 'leag-a' }),
    undefined,
    'nothing traded in 3',
  );
});

test('a subscriber that names no topics gets block events only', async () => {
  await until('block 16', () => plain.some((f) => f.data.height === 16));
  assert.ok(plain.every((f) => f.event === 'block'));
  assert.deepEqual(
    plain.map((f) => f.data.height),
    Array.from({ length: 16 }, (_, i) => i + 1),
  );
  const res = await fetch(`${url}/v1/events?topics=block,market-window-closed`);
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid-request');
});

test('orders refused at submission are counted by kind and code, once, and only orders', async () => {
  const untrusted = sellOrderTx(env, ev.s3, {
    leag: c.publicKey,
    window: 6,
    energyWh: 100,
    expectedPrice: FEED_IN,
    minPrice: FEED_IN,
    payout: address(),
  });
  assert.equal(submit(untrusted), 'untrusted');
  const dear = buyOrderTx(
    env,
    ev.b1,
    { leag: a.publicKey, window: 6, energyWh: 10, maxPrice: RETAIL + 1, refund: address() },
    [],
    [],
  );
  assert.equal(submit(dear), 'price-out-of-bounds');
  // Not orders, or not a client's: a transfer of a missing coin, and the untrusted order again by gossip.
  const transfer = transferTx(
    env,
    [{ outpoint: { txId: new Uint8Array(32), index: 0 }, key: wallets.b1 }],
    [{ address: address(), amount: 1 }],
  );
  assert.equal(submit(transfer), 'missing-input');
  assert.equal((await ingress.gossip(encodeTx(untrusted))).result, 'ignore');

  assert.equal(await metric('v2g_market_orders_refused_total', { kind: 'sell-order', code: 'untrusted' }), 1);
  assert.equal(
    await metric('v2g_market_orders_refused_total', { kind: 'buy-order', code: 'price-out-of-bounds' }),
    1,
  );
  const all = (await registry.getSingleMetric('v2g_market_orders_refused_total')!.get()).values;
  assert.equal(
    all.reduce((s, v) => s + v.value, 0),
    2,
  );
});
