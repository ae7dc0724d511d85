import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  type KeyPair,
  ledgerRules,
  marketRules,
  type Tx,
} from '@v2g/core';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createApi } from '../src/api/server.ts';
import { createNodeMetrics } from '../src/metrics/nodeMetrics.ts';
import { ChainStore } from '../src/storage/chainStore.ts';

/**
 * The API of one LEAG over a real chain store and executor with the market
 * rules; blocks are made on demand (no network, no consensus). Windows are
 * 2 blocks and settle one window after clearing.
 */
export interface MarketFixture {
  readonly app: FastifyInstance;
  readonly chain: ChainStore;
  readonly mempool: Mempool;
  readonly events: EventEmitter;
  readonly genesis: Genesis;
  readonly env: { chainId: string };
  readonly ra: KeyPair;
  readonly grid: KeyPair;
  readonly leag: KeyPair;
  /** Puts a transaction in the mempool, failing the test if it is refused. */
  pool(tx: Tx): void;
  nextBlock(): Promise<void>;
  blocksUntil(height: number): Promise<void>;
  close(): Promise<void>;
}

export async function startMarketApi(chainId = 'v2g-market-fixture'): Promise<MarketFixture> {
  const ra = generateKeyPair();
  const grid = generateKeyPair();
  const leag = generateKeyPair();
  const genesis: Genesis = {
    chainId,
    genesisTime: 0,
    raKey: ra.publicKey,
    gridOperatorKey: grid.publicKey,
    leags: [{ publicKey: leag.publicKey, name: 'leag-0', reputationPpm: 500_000 }],
    params: {
      consensus: { ...defaultConsensusParams, committeeSize: 0 },
      market: { ...defaultMarketParams, windowBlocks: 2, settlementWindows: 1 },
      evReputation: defaultEvReputationParams,
    },
    allocations: [],
  };
  const dir = await mkdtemp(join(tmpdir(), 'v2g-market-fixture-'));
  const chain = await ChainStore.open(dir, genesis);
  const mempool = createChainMempool(genesis, { maxTxs: 1000, maxBytes: 1 << 24 });
  const registry = new Registry();
  const events = new EventEmitter();
  const executor = new ChainExecutor({
    storage: chain,
    genesis,
    rules: combineRules(ledgerRules, marketRules),
    mempool,
    proposer: leag.publicKey,
    now: () => Date.now(),
    verifyVote: cachedVoteVerifier(),
    lastCertificate: null,
  });
  const app = createApi(
    {
      chain,
      mempool,
      registry,
      metrics: createNodeMetrics(registry),
      logger: pino({ level: 'silent' }),
      events,
      submitTx: (bytes) => mempool.addBytes(bytes, chain.state, 0),
      peers: () => [],
      committee: () => [{ publicKey: 'ab'.repeat(32), name: 'leag-0', reputationPpm: 500_000 }],
      status: () => ({ syncing: false, consensus: 'test' }),
    },
    { bodyLimit: 1 << 20 },
  );
  const nextBlock = async () => {
    const height = chain.head.height + 1;
    const block = executor.propose(height, 0, null);
    await executor.commit(block, { height, round: 0, blockHash: blockHash(block.header), signatures: [] });
  };
  return {
    app,
    chain,
    mempool,
    events,
    genesis,
    env: { chainId },
    ra,
    grid,
    leag,
    pool(tx) {
      const r = mempool.addBytes(encodeTx(tx), chain.state, 0);
      assert.ok(r.ok, r.ok ? '' : r.reason);
    },
    nextBlock,
    async blocksUntil(height) {
      while (chain.head.height < height) await nextBlock();
    },
    async close() {
      await app.close();
      await chain.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
