import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  buyOrderTx,
  depositTx,
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
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  encodeTx,
  type Genesis,
  generateKeyPair,
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
import { createApi } from '../src/api/server.ts';
import { createNodeMetrics } from '../src/metrics/nodeMetrics.ts';
import { ChainStore } from '../src/storage/chainStore.ts';

/**
 * The market API over a real chain store and block processor, one LEAG,
 * blocks made on demand (no network, no consensus). Windows are 2 blocks and
 * settle one window after clearing; one failed delivery drops a seller below
 * R_min (loss parameters at their maximum).
 */
const ra = generateKeyPair();
const grid = generateKeyPair();
const leag = generateKeyPair();
const seller = generateKeyPair();
const buyer = generateKeyPair();
const meter = generateKeyPair();
const wallet = generateKeyPair();
const env = { chainId: 'v2g-market-api' };
const genesis: Genesis = {
  chainId: env.chainId,
  genesisTime: 0,
  raKey: ra.publicKey,
  gridOperatorKey: grid.publicKey,
  leags: [{ publicKey: leag.publicKey, name: 'leag-0', reputationPpm: 500_000 }],
  params: {
    consensus: { ...defaultConsensusParams, committeeSize: 0 },
    market: { ...defaultMarketParams, windowBlocks: 2, settlementWindows: 1 },
    evReputation: {
      ...defaultEvReputationParams,
      lossMaxPpm: 1_000_000,
      lossMinPpm: 1_000_000,
      lossVolumeWh: 1,
    },
  },
  allocations: [],
};

let dir: string;
let chain: ChainStore;
let mempool: Mempool;
let processor: ChainExecutor;
let app: FastifyInstance;

async function nextBlock(): Promise<void> {
  const height = chain.head.height + 1;
  const block = processor.propose(height, 0, null);
  await processor.commit(block, { height, round: 0, blockHash: blockHash(block.header), signatures: [] });
}

async function blocksUntil(height: number): Promise<void> {
  while (chain.head.height < height) await nextBlock();
}

function pool(tx: Tx): void {
  const r = mempool.addBytes(encodeTx(tx), chain.state, 0);
  assert.ok(r.ok, r.ok ? '' : r.reason);
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
}

async function postMarket(tx: Tx): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/market/txs',
    payload: { tx: toHex(encodeTx(tx)) },
  });
  return { status: res.statusCode, body: res.json() };
}

const errorCode = (body: Record<string, unknown>) => (body.error as { code: string }).code;

const depositId = { tx: null as Tx | null };
let sellId = '';
let buyId = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'v2g-market-api-'));
  chain = await ChainStore.open(dir, genesis);
  mempool = createChainMempool(genesis, { maxTxs: 1000, maxBytes: 1 << 24 });
  const registry = new Registry();
  const metrics = createNodeMetrics(registry);
  const logger = pino({ level: 'silent' });
  const events = new EventEmitter();
  processor = new ChainExecutor({
    storage: chain,
    genesis,
    rules: combineRules(ledgerRules, marketRules),
    mempool,
    proposer: leag.publicKey,
    now: () => Date.now(),
    verifyVote: cachedVoteVerifier(),
    lastCertificate: null,
  });
  app = createApi(
    {
      chain,
      mempool,
      registry,
      metrics,
      logger,
      events,
      submitTx: (bytes) => mempool.addBytes(bytes, chain.state, 0),
      peers: () => [],
      committee: () => [],
      status: () => ({ syncing: false, consensus: 'test' }),
    },
    { bodyLimit: 1 << 20 },
  );
  // Block 1 (window 0): tariffs, registrations, the station's meter, a deposit for the buyer.
  for (let w = 0; w < 20; w++) pool(tariffTx(env, grid, w, 300, 100));
  pool(registerEvTx(env, ra, seller, leag.publicKey));
  pool(registerEvTx(env, ra, buyer, leag.publicKey));
  pool(registerMeterTx(env, ra, meter, leag.publicKey));
  depositId.tx = depositTx(env, leag, 0, 1, [
    { address: walletAddress(wallet.publicKey), amount: 5_000_000 },
  ]);
  pool(depositId.tx);
  await nextBlock();
});

after(async () => {
  await app.close();
  await chain.close();
  await rm(dir, { recursive: true, force: true });
});

test('GET /v1/market/current names the open window, its closing height and tariff', async () => {
  const { status, body } = await get('/v1/market/current');
  assert.equal(status, 200);
  // Head 1: the next block, 2, is the last of window 0 (heights 1..2).
  assert.equal(body.window, 0);
  assert.equal(body.closesAt, 2);
  assert.deepEqual(body.tariff, { retailPrice: 300, feedInPrice: 100, wheelingFee: 0, wheeling: [] });
  assert.equal(body.rMinPpm, 200_000);
});

test('GET /v1/market/grid shows the grid operator and its account', async () => {
  const { status, body } = await get('/v1/market/grid');
  assert.equal(status, 200);
  assert.deepEqual(body, { operator: toHex(grid.publicKey), balance: 0, reserved: 0 });
});

test('POST /v1/market/txs refuses an order the chain would refuse, with the rule code', async () => {
  const below = sellOrderTx(env, seller, {
    leag: leag.publicKey,
    window: 1,
    energyWh: 5000,
    expectedPrice: 250,
    minPrice: 50,
    payout: walletAddress(generateKeyPair().publicKey),
  });
  const r = await postMarket(below);
  assert.equal(r.status, 400);
  assert.equal(errorCode(r.body), 'price-out-of-bounds');
  assert.equal(mempool.size, 0, 'a refused order does not reach the mempool');

  const transfer = transferTx(
    env,
    [{ outpoint: { txId: txId(depositId.tx!), index: 0 }, key: wallet }],
    [{ address: walletAddress(buyer.publicKey), amount: 5_000_000 }],
  );
  const t = await postMarket(transfer);
  assert.equal(t.status, 400);
  assert.equal(errorCode(t.body), 'not-a-market-tx');
});

test('orders clear within the tariff and the window shows per-order results', async () => {
  const sell = sellOrderTx(env, seller, {
    leag: leag.publicKey,
    window: 1,
    energyWh: 5000,
    expectedPrice: 250,
    minPrice: 150,
    payout: walletAddress(generateKeyPair().publicKey),
  });
  const buy = buyOrderTx(
    env,
    buyer,
    {
      leag: leag.publicKey,
      window: 1,
      energyWh: 4000,
      maxPrice: 280,
      refund: walletAddress(generateKeyPair().publicKey),
    },
    [{ outpoint: { txId: txId(depositId.tx!), index: 0 }, key: wallet }],
    [{ address: walletAddress(generateKeyPair().publicKey), amount: 5_000_000 - 4000 * 280 }],
  );
  const s = await postMarket(sell);
  const b = await postMarket(buy);
  assert.equal(s.status, 202, JSON.stringify(s.body));
  assert.equal(b.status, 202, JSON.stringify(b.body));
  sellId = String(s.body.id);
  buyId = String(b.body.id);
  assert.equal((await get(`/v1/market/orders/${sellId}`)).body.status, 'pending');
  await nextBlock();
  assert.equal((await get(`/v1/market/orders/${sellId}`)).body.status, 'open');

  await blocksUntil(4); // window 1 closes at the end of height 4
  const { status, body } = await get('/v1/market/windows/1');
  assert.equal(status, 200);
  assert.equal(body.status, 'cleared');
  const [station] = body.stations as { price: number; volumeWh: number }[];
  assert.ok(station && station.price >= 150 && station.price <= 280, `price ${station?.price}`);
  assert.equal(station.volumeWh, 4000);
  const orders = body.orders as { id: string; matchedWh: number }[];
  assert.deepEqual(orders.map((o) => o.id).sort(), [sellId, buyId].sort());
  assert.ok(orders.every((o) => o.matchedWh === 4000));
});

test('a failed delivery settles, drops the seller below R_min, and its next order is refused as untrusted', async () => {
  assert.equal((await postMarket(meterReadingTx(env, meter, 1, fromId(sellId), 0))).status, 202);
  assert.equal((await postMarket(meterReadingTx(env, meter, 1, fromId(buyId), 4000))).status, 202);
  await nextBlock();
  const again = await postMarket(meterReadingTx(env, meter, 1, fromId(buyId), 4000));
  assert.equal(errorCode(again.body), 'duplicate');

  await blocksUntil(6); // window 1 settles at the close of window 2
  const order = await get(`/v1/market/orders/${sellId}`);
  assert.equal(order.body.status, 'settled');
  const settlement = order.body.settlement as { success: boolean; meteredWh: number; amount: number };
  assert.equal(settlement.success, false);
  assert.equal(settlement.amount, 0);

  const settled = await get('/v1/market/settlements/1');
  assert.equal(settled.body.settled, true);
  const [st] = settled.body.stations as { shortfallWh: number; deliveredWh: number }[];
  assert.equal(st?.shortfallWh, 4000);
  assert.equal((settled.body.settlements as unknown[]).length, 2);

  const untrusted = await get('/v1/reputation?untrusted=true');
  const rows = untrusted.body.accounts as { account: string; untrusted: boolean; r: number }[];
  assert.deepEqual(
    rows.map((r) => r.account),
    [toHex(seller.publicKey)],
  );
  assert.equal(untrusted.body.untrusted, 1);

  const later = sellOrderTx(env, seller, {
    leag: leag.publicKey,
    window: 5,
    energyWh: 1000,
    expectedPrice: 200,
    minPrice: 150,
    payout: walletAddress(generateKeyPair().publicKey),
  });
  const refused = await postMarket(later);
  assert.equal(refused.status, 400);
  assert.equal(errorCode(refused.body), 'untrusted');
});

test('GET /v1/reputation/:account/history shows <R, R_ES, R_EB> after each settled window', async () => {
  const { status, body } = await get(`/v1/reputation/${toHex(seller.publicKey)}/history`);
  assert.equal(status, 200);
  const history = body.history as { window: number; es: number }[];
  assert.deepEqual(
    history.map((p) => p.window),
    [1],
  );
  assert.ok(history[0]!.es < 200_000);
  assert.equal((body.now as { untrustedAsSeller: boolean }).untrustedAsSeller, true);
  assert.equal((await get(`/v1/reputation/${'ab'.repeat(32)}/history`)).status, 404);
});

test('GET /v1/market/windows?from=&to= lists results per window and station', async () => {
  const { status, body } = await get('/v1/market/windows?from=0&to=2');
  assert.equal(status, 200);
  const windows = body.windows as {
    window: number;
    status: string;
    stations: { volumeWh: number; toGridWh: number }[];
  }[];
  assert.deepEqual(
    windows.map((w) => [w.window, w.status]),
    [
      [0, 'settled'],
      [1, 'settled'],
      [2, 'cleared'],
    ],
  );
  assert.deepEqual(
    windows[1]!.stations.map((s) => [s.volumeWh, s.toGridWh]),
    [[4000, 0]],
  );
  assert.equal(errorCode((await get('/v1/market/windows?from=5&to=1')).body), 'invalid-request');
  assert.equal((await get('/v1/market/windows?from=0&to=100')).status, 400);
});

test('GET /v1/reputation pages through the accounts in key order', async () => {
  const first = await get('/v1/reputation?limit=1');
  assert.equal(first.body.total, 2);
  const next = first.body.next as string;
  assert.match(next, /^[0-9a-f]{64}$/);
  const second = await get(`/v1/reputation?limit=1&after=${next}`);
  const [a] = first.body.accounts as { account: string }[];
  const [b] = second.body.accounts as { account: string }[];
  assert.ok(a && b && a.account < b.account);
  assert.equal(second.body.next, null);
});

test('bad market input gets a 400 with a code, an unknown order a 404', async () => {
  assert.equal((await get('/v1/market/windows/abc')).status, 400);
  assert.equal(errorCode((await get('/v1/reputation?limit=0')).body), 'invalid-request');
  assert.equal((await get('/v1/market/orders?account=xyz')).status, 400);
  const unknown = await get(`/v1/market/orders/${'ab'.repeat(32)}`);
  assert.equal(unknown.status, 404);
  assert.equal(errorCode(unknown.body), 'not-found');
});

function fromId(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
