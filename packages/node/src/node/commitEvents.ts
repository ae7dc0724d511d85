import type { EventEmitter } from 'node:events';
import { type CommittedBlock, readLeags } from '@v2g/consensus';
import { type Genesis, type StateReader, toHex } from '@v2g/core';
import { marketEventsAt } from '../api/marketEvents.ts';
import type { BlockEvent } from '../api/server.ts';
import type { NodeMetrics } from '../metrics/nodeMetrics.ts';

export interface CommitEventsComponents {
  readonly genesis: Genesis;
  /** The committed state, which the block has just moved. */
  readonly state: () => StateReader;
  /** Emits each event under its stream topic (api/eventStream.ts). */
  readonly events: EventEmitter;
  readonly metrics: NodeMetrics;
}

/**
 * What a committed block tells the outside: its `block` event, then, for a
 * window's closing block, `market-window-settled` and
 * `market-window-cleared`; and the chain and market metrics those events
 * carry. Called by the executor's commit observer, for blocks decided here
 * and blocks synced alike.
 */
export function publishCommit(c: CommitEventsComponents, committed: CommittedBlock): BlockEvent {
  const { block, hash, txIds } = committed;
  const height = block.header.height;
  c.metrics.height.set(height);
  c.metrics.blocksCommitted.inc();
  c.metrics.txsCommitted.inc(block.txs.length);
  const event: BlockEvent = {
    height,
    hash: toHex(hash),
    txs: block.txs.length,
    timestamp: block.header.timestamp,
    txIds: txIds.map(toHex),
  };
  c.events.emit('block', event);

  const state = c.state();
  const market = marketEventsAt(state, c.genesis, height);
  if (market.length === 0) return event;
  const names = new Map(readLeags(state).map((l) => [toHex(l.publicKey), l.name]));
  for (const e of market) {
    c.metrics.market.observe(e, names);
    c.events.emit(e.topic, e.data);
  }
  return event;
}
