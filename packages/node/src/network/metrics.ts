import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type GossipResult = 'accept' | 'ignore' | 'reject';

/** Every network metric, created once per registry. Reasons are verdict codes, so label sets stay small. */
export interface NetworkMetrics {
  gossipReceived: Counter<'topic'>;
  gossipReceivedBytes: Counter<'topic'>;
  gossipValidated: Counter<'topic' | 'result' | 'reason'>;
  gossipValidationSeconds: Histogram<'topic'>;
  gossipPublished: Counter<'topic'>;
  gossipPublishedBytes: Counter<'topic'>;
  gossipPublishErrors: Counter<'topic'>;
  txsReceived: Counter<'result'>;
  txsPublished: Counter;
  txBatchesPublished: Counter;
  peersConnected: Gauge;
  topicPeers: Gauge<'topic'>;
  gaterDenied: Counter<'stage'>;
  bootstrapDials: Counter<'result'>;
  syncServed: Counter<'result'>;
  syncBlocksServed: Counter;
  syncRequested: Counter<'result'>;
  directSent: Counter<'result'>;
  directDropped: Counter<'reason'>;
  directFramesWritten: Counter;
  directReceived: Counter<'result'>;
  directStreams: Counter<'result'>;
  discoveryRequests: Counter<'result'>;
  discoveryServed: Counter;
  discoveryDials: Counter<'result'>;
  discoveryKnown: Gauge;
  meshPeers: Gauge<'topic'>;
}

export function createNetworkMetrics(registry: Registry): NetworkMetrics {
  const registers = [registry];
  return {
    gossipReceived: new Counter({
      name: 'v2g_gossip_messages_received_total',
      help: 'Gossip messages received, before validation',
      labelNames: ['topic'],
      registers,
    }),
    gossipReceivedBytes: new Counter({
      name: 'v2g_gossip_received_bytes_total',
      help: 'Payload bytes of gossip messages received',
      labelNames: ['topic'],
      registers,
    }),
    gossipValidated: new Counter({
      name: 'v2g_gossip_messages_validated_total',
      help: 'Gossip validation outcomes (accept, ignore, reject) with the verdict reason',
      labelNames: ['topic', 'result', 'reason'],
      registers,
    }),
    gossipValidationSeconds: new Histogram({
      name: 'v2g_gossip_validation_seconds',
      help: 'Time from receipt to verdict',
      labelNames: ['topic'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    gossipPublished: new Counter({
      name: 'v2g_gossip_messages_published_total',
      help: 'Gossip messages published by this node',
      labelNames: ['topic'],
      registers,
    }),
    gossipPublishedBytes: new Counter({
      name: 'v2g_gossip_published_bytes_total',
      help: 'Payload bytes of gossip messages published by this node',
      labelNames: ['topic'],
      registers,
    }),
    gossipPublishErrors: new Counter({
      name: 'v2g_gossip_publish_errors_total',
      help: 'Gossip publications that failed',
      labelNames: ['topic'],
      registers,
    }),
    txsReceived: new Counter({
      name: 'v2g_gossip_txs_received_total',
      help: 'Transactions unpacked from gossip batches, by verdict',
      labelNames: ['result'],
      registers,
    }),
    txsPublished: new Counter({
      name: 'v2g_gossip_txs_published_total',
      help: 'Transactions sent in gossip batches',
      registers,
    }),
    txBatchesPublished: new Counter({
      name: 'v2g_gossip_tx_batches_published_total',
      help: 'Transaction batches published',
      registers,
    }),
    peersConnected: new Gauge({
      name: 'v2g_network_peers_connected',
      help: 'Peers with at least one open connection',
      registers,
    }),
    topicPeers: new Gauge({
      name: 'v2g_network_topic_peers',
      help: 'Peers subscribed to each gossip topic',
      labelNames: ['topic'],
      registers,
    }),
    gaterDenied: new Counter({
      name: 'v2g_network_gater_denied_total',
      help: 'Connections refused because the peer is not a registered LEAG',
      labelNames: ['stage'],
      registers,
    }),
    bootstrapDials: new Counter({
      name: 'v2g_network_bootstrap_dials_total',
      help: 'Dials to bootstrap peers, by outcome',
      labelNames: ['result'],
      registers,
    }),
    syncServed: new Counter({
      name: 'v2g_sync_requests_served_total',
      help: 'Block sync requests served, by outcome',
      labelNames: ['result'],
      registers,
    }),
    syncBlocksServed: new Counter({
      name: 'v2g_sync_blocks_served_total',
      help: 'Blocks sent to syncing peers',
      registers,
    }),
    syncRequested: new Counter({
      name: 'v2g_sync_requests_sent_total',
      help: 'Block sync requests made by this node, by outcome',
      labelNames: ['result'],
      registers,
    }),
    directSent: new Counter({
      name: 'v2g_direct_send_total',
      help: 'Direct (point-to-point) sends: queued, or why refused (not-connected, too-large, open-failed, ...)',
      labelNames: ['result'],
      registers,
    }),
    directDropped: new Counter({
      name: 'v2g_direct_dropped_total',
      help: 'Queued direct frames dropped before being written (queue-full drops the oldest)',
      labelNames: ['reason'],
      registers,
    }),
    directFramesWritten: new Counter({
      name: 'v2g_direct_frames_written_total',
      help: 'Direct frames handed to a stream',
      registers,
    }),
    directReceived: new Counter({
      name: 'v2g_direct_received_total',
      help: 'Direct frames received (ok), or why a stream was cut (too-large, stream-error)',
      labelNames: ['result'],
      registers,
    }),
    directStreams: new Counter({
      name: 'v2g_direct_streams_total',
      help: 'Outbound direct streams: opened, open-failed, broken',
      labelNames: ['result'],
      registers,
    }),
    discoveryRequests: new Counter({
      name: 'v2g_discovery_requests_total',
      help: 'Peers requests this node made, by outcome',
      labelNames: ['result'],
      registers,
    }),
    discoveryServed: new Counter({
      name: 'v2g_discovery_served_total',
      help: 'Peers requests this node answered',
      registers,
    }),
    discoveryDials: new Counter({
      name: 'v2g_discovery_dials_total',
      help: 'Dials to LEAGs learned through discovery, by outcome',
      labelNames: ['result'],
      registers,
    }),
    discoveryKnown: new Gauge({
      name: 'v2g_discovery_known_leags',
      help: 'LEAGs this node has learned an address for',
      registers,
    }),
    meshPeers: new Gauge({
      name: 'v2g_network_mesh_peers',
      help: 'Peers in this node’s gossipsub mesh for each topic',
      labelNames: ['topic'],
      registers,
    }),
  };
}
