import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChainMempool, type Mempool } from '@v2g/consensus';
import {
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  type Genesis,
  generateKeyPair,
} from '@v2g/core';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type ApiComponents, type ApiOptions, createApi } from '../src/api/server.ts';
import { createNodeMetrics } from '../src/metrics/nodeMetrics.ts';
import { ChainStore } from '../src/storage/chainStore.ts';

/** The HTTP API of one LEAG over a real chain store and mempool, listening on a loopback port. */
export interface ApiFixture {
  readonly app: FastifyInstance;
  readonly chain: ChainStore;
  readonly mempool: Mempool;
  readonly events: EventEmitter;
  readonly registry: Registry;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export function testGenesis(chainId = 'v2g-api-test'): Genesis {
  return {
    chainId,
    genesisTime: 0,
    raKey: generateKeyPair().publicKey,
    gridOperatorKey: generateKeyPair().publicKey,
    leags: [{ publicKey: generateKeyPair().publicKey, name: 'leag-0', reputationPpm: 500_000 }],
    params: {
      consensus: { ...defaultConsensusParams, committeeSize: 0 },
      market: defaultMarketParams,
      evReputation: defaultEvReputationParams,
    },
    allocations: [],
  };
}

export async function startApi(
  options: Partial<ApiOptions> = {},
  components: Partial<ApiComponents> = {},
): Promise<ApiFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-api-'));
  const genesis = testGenesis();
  const chain = await ChainStore.open(dir, genesis);
  const mempool = createChainMempool(genesis, { maxTxs: 1000, maxBytes: 1 << 24 });
  const registry = new Registry();
  const events = new EventEmitter();
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
      committee: () => [],
      status: () => ({ syncing: false, consensus: 'test' }),
      ...components,
    },
    { bodyLimit: 1 << 20, ...options },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    chain,
    mempool,
    events,
    registry,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await chain.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
