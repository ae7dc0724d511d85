import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createGcMetrics } from './gcMetrics.ts';
import { createMarketMetrics } from './marketMetrics.ts';

/** Metrics of the daemon's own parts; the network layer registers its own. */
export function createNodeMetrics(register: Registry) {
  return {
    height: new Gauge({
      name: 'v2g_chain_height',
      help: 'Height of the last committed block',
      registers: [register],
    }),
    blocksCommitted: new Counter({
      name: 'v2g_blocks_committed_total',
      help: 'Blocks committed',
      registers: [register],
    }),
    txsCommitted: new Counter({
      name: 'v2g_txs_committed_total',
      help: 'Transactions committed',
      registers: [register],
    }),
    txsRejected: new Counter({
      name: 'v2g_txs_rejected_total',
      help: 'Transactions refused, by source and error code',
      labelNames: ['source', 'code'] as const,
      registers: [register],
    }),
    mempoolSize: new Gauge({ name: 'v2g_mempool_txs', help: 'Pending transactions', registers: [register] }),
    commitSeconds: new Histogram({
      name: 'v2g_block_commit_seconds',
      help: 'Time to write a block batch to LevelDB',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [register],
    }),
    buildSeconds: new Histogram({
      name: 'v2g_block_build_seconds',
      help: 'Time to build a proposal from the mempool',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [register],
    }),
    validateSeconds: new Histogram({
      name: 'v2g_block_validate_seconds',
      help: 'Time to execute a proposed or synced block on the current state',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [register],
    }),
    walSeconds: new Histogram({
      name: 'v2g_consensus_wal_write_seconds',
      help: 'Time to persist the signing state before a vote or proposal leaves',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [register],
    }),
    blocksRejected: new Counter({
      name: 'v2g_blocks_rejected_total',
      help: 'Blocks refused (proposals or sync), by error code',
      labelNames: ['source', 'code'] as const,
      registers: [register],
    }),
    httpRequests: new Counter({
      name: 'v2g_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [register],
    }),
    mainThread: createGcMetrics(register),
    market: createMarketMetrics(register),
  };
}

export type NodeMetrics = ReturnType<typeof createNodeMetrics>;
