import { type GossipSub, gossipsub } from '@chainsafe/libp2p-gossipsub';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type Identify, identify } from '@libp2p/identify';
import type { Libp2p, Message, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { type KeyPair, sha256 } from '@v2g/core';
import { createLibp2p, type Libp2pOptions } from 'libp2p';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type BlockSource, BlockSync, DEFAULT_SYNC_OPTIONS, type SyncOptions } from './blockSync.ts';
import { BootstrapDialer, parseBootstrapAddr, type RedialOptions } from './bootstrap.ts';
import {
  DEFAULT_DIRECT_OPTIONS,
  DirectChannel,
  type DirectHandler,
  type DirectOptions,
} from './directChannel.ts';
import { NetworkError } from './errors.ts';
import { type GossipHandler, GossipRouter, type GossipValidators } from './gossip.ts';
import type { LeagDirectory } from './leagAllowList.ts';
import { createLeagGater } from './leagGater.ts';
import { createNetworkMetrics } from './metrics.ts';
import {
  connectionManagerTuning,
  gossipsubTuning,
  type P2pOptions,
  resolveP2pOptions,
} from './p2pOptions.ts';
import { DEFAULT_DISCOVERY_OPTIONS, PeerDiscovery } from './peerDiscovery.ts';
import { leagKeyFromPeerId, peerIdFromLeagKey, privateKeyFromLeagKey } from './peerIdentity.ts';
import { TopicPeerWaiters } from './topicPeerWaiters.ts';
import {
  DEFAULT_TOPIC_LIMITS,
  directProtocol,
  gossipTopic,
  peersProtocol,
  syncProtocol,
  TOPIC_KINDS,
  type TopicKind,
} from './topics.ts';
import { TxBatcher, type TxBatcherOptions } from './txBatcher.ts';

/** What the network needs from the daemon. */
export interface NetworkComponents {
  logger: Logger;
  registry: Registry;
  /** The LEAG's ed25519 key; it is also the libp2p identity. */
  keyPair: KeyPair;
  /** Registered LEAGs; only they may connect. Consulted on every new connection. */
  leags: LeagDirectory;
  validators: GossipValidators;
  blockSource: BlockSource;
}

export interface NetworkOptions {
  chainId: string;
  /** e.g. `/ip4/127.0.0.1/tcp/9000`; port 0 picks a free port. */
  listen: readonly string[];
  /** `/ip4/…/tcp/…/p2p/<peer id>` of other LEAGs. */
  bootstrap?: readonly string[];
  topicLimits?: Partial<Record<TopicKind, number>>;
  txBatch?: Partial<TxBatcherOptions>;
  redial?: Partial<RedialOptions>;
  sync?: Partial<SyncOptions>;
  /** The direct channel; its frame limit is the consensus topic limit. */
  direct?: Partial<Omit<DirectOptions, 'maxFrameBytes'>>;
  /** Gossip messages awaiting the daemon's verdict at once; more are ignored as `overloaded`. */
  maxPendingValidations?: number;
  /** Same as `p2p.inboundConnectionsPerSecond`, kept for existing callers; `p2p` wins when both are set. */
  inboundConnectionsPerSecond?: number;
  /** Connection limits, gossipsub mesh and scoring, discovery; see p2pOptions.ts for each field and its default. */
  p2p?: Partial<P2pOptions>;
}

export type PublishKind = Exclude<TopicKind, 'tx'>;

export interface Network {
  readonly peerId: PeerId;
  start(): Promise<void>;
  /** Flushes pending transactions, then closes every connection. */
  stop(): Promise<void>;
  /** Listening addresses with the `/p2p/<id>` suffix, ready to be someone's bootstrap entry. */
  multiaddrs(): string[];
  /** Sends a consensus or block message; resolves to the number of peers it went to. */
  publish(kind: PublishKind, data: Uint8Array): Promise<number>;
  /** Queues a verified transaction for the next gossip batch; never throws (dropped from gossip when not running). */
  publishTx(tx: Uint8Array): void;
  /** Sends the pending transaction batch now. */
  flushTxs(): void;
  /** Registers a handler for accepted messages (per transaction for `tx`); returns an unsubscribe function. */
  onMessage(kind: TopicKind, handler: GossipHandler): () => void;
  /** Resolves once at least `min` peers subscribe to the topic; rejects with `topic-peers-timeout`. */
  waitForTopicPeers(kind: TopicKind, min: number, timeoutMs: number): Promise<void>;
  topicPeers(kind: TopicKind): PeerId[];
  connectedPeers(): PeerId[];
  /** Blocks `from..to` from a peer (a prefix of the range, possibly empty); see syncMessages.ts. */
  requestBlocks(peer: PeerId, from: number, to: number): Promise<Uint8Array[]>;
  /**
   * Sends one frame to one LEAG over the direct channel (`/v2g/<chainId>/direct/1`), bypassing
   * gossipsub's seen-cache, so the same bytes can be re-sent to a LEAG that missed them.
   * Fire-and-forget: true when queued, false when there is no connection to that LEAG (or the frame is
   * over the consensus limit, or the network is not running). Never throws. Delivery is best effort.
   */
  sendTo(leagKey: Uint8Array, data: Uint8Array): boolean;
  /**
   * Registers a handler for frames that other LEAGs sent with `sendTo`; returns an unsubscribe function.
   * Frames are NOT validated here: the daemon checks them as it checks the consensus topic.
   */
  onDirect(handler: DirectHandler): () => void;
  /**
   * The LEAG keys of the current committee. Their connections are kept alive (tagged, re-dialled,
   * never pruned), discovery dials them whatever `targetPeers` says, and, with `p2p.directCommittee`,
   * they become gossipsub direct peers (every message goes to them at once, outside the mesh).
   * Call at start and whenever the committee changes; the network's own key is ignored.
   */
  setCommittee(leagKeys: readonly Uint8Array[]): void;
  /** Peers in this node's gossipsub mesh for the topic (the ones it forwards to). */
  meshPeers(kind: TopicKind): PeerId[];
  /** Closes connections to peers no longer in the LEAG directory; call after a LEAG leaves. */
  enforceAllowList(): Promise<void>;
}

const DEFAULT_TX_BATCH: TxBatcherOptions = { maxDelayMs: 50, maxBytes: 64 * 1024 };
const DEFAULT_REDIAL: RedialOptions = { minDelayMs: 500, maxDelayMs: 30_000, dialTimeoutMs: 5_000 };
const RPC_FRAME_HEADROOM = 64 * 1024;

type Services = { identify: Identify; pubsub: GossipSub };
type Init = Libp2pOptions<Services>;

/**
 * tcp, noise, yamux, identify and gossipsub are typed against
 * @libp2p/interface 2.9 while libp2p 2.9 itself resolves 2.11; the two differ
 * only in nominal details (a Logger method), so the module factories are
 * re-typed here, once.
 */
function modules<K extends 'transports' | 'connectionEncrypters' | 'streamMuxers'>(
  factories: unknown[],
): NonNullable<Init[K]> {
  return factories as NonNullable<Init[K]>;
}

function service<K extends keyof Services>(factory: unknown): NonNullable<Init['services']>[K] {
  return factory as NonNullable<Init['services']>[K];
}

/** gossipsub's message id: DESIGN §8 "message id = hash of the data". */
function messageId(msg: Message): Uint8Array {
  return sha256(msg.data);
}

export async function createNetwork(
  components: NetworkComponents,
  options: NetworkOptions,
): Promise<Network> {
  const logger = components.logger.child({ module: 'network' });
  const metrics = createNetworkMetrics(components.registry);
  const limits = { ...DEFAULT_TOPIC_LIMITS, ...options.topicLimits };
  const syncOptions = { ...DEFAULT_SYNC_OPTIONS, ...options.sync };
  const privateKey = await privateKeyFromLeagKey(components.keyPair);
  const bootstrap = (options.bootstrap ?? []).map(parseBootstrapAddr);
  const topics = TOPIC_KINDS.map((kind) => gossipTopic(options.chainId, kind));
  const p2p = resolveP2pOptions({
    ...(options.inboundConnectionsPerSecond === undefined
      ? {}
      : { inboundConnectionsPerSecond: options.inboundConnectionsPerSecond }),
    ...options.p2p,
  });

  const libp2p: Libp2p<Services> = await createLibp2p<Services>({
    start: false,
    privateKey,
    addresses: { listen: [...options.listen] },
    transports: modules<'transports'>([tcp()]),
    connectionEncrypters: modules<'connectionEncrypters'>([noise()]),
    streamMuxers: modules<'streamMuxers'>([yamux()]),
    connectionGater: createLeagGater(components.leags, (stage, peer) => {
      metrics.gaterDenied.inc({ stage });
      logger.debug({ stage, peer: peer.toString() }, 'refused non-LEAG peer');
    }),
    connectionManager: connectionManagerTuning(p2p),
    services: {
      identify: service<'identify'>(identify()),
      pubsub: service<'pubsub'>(
        gossipsub({
          ...gossipsubTuning(p2p, topics),
          globalSignaturePolicy: 'StrictNoSign',
          msgIdFn: messageId,
          asyncValidation: true,
          fallbackToFloodsub: false,
          allowPublishToZeroTopicPeers: true,
          ignoreDuplicatePublishError: true,
          allowedTopics: topics,
          maxInboundDataLength: Math.max(...Object.values(limits)) + RPC_FRAME_HEADROOM,
        }),
      ),
    },
  });

  const router = new GossipRouter(
    { pubsub: libp2p.services.pubsub, validators: components.validators, metrics, logger },
    options.chainId,
    limits,
    options.maxPendingValidations ?? 4096,
  );
  const batcher = new TxBatcher({ ...DEFAULT_TX_BATCH, ...options.txBatch }, (batch, count) => {
    router.publish('tx', batch).then(
      () => {
        metrics.txBatchesPublished.inc();
        metrics.txsPublished.inc(count);
      },
      (err: unknown) => logger.warn({ err, count }, 'tx batch publish failed'),
    );
  });
  const dialer = new BootstrapDialer(
    { libp2p, metrics, logger },
    bootstrap.filter((b) => !b.peerId.equals(libp2p.peerId)),
    {
      ...DEFAULT_REDIAL,
      ...options.redial,
    },
  );
  const sync = new BlockSync(
    { libp2p, blockSource: components.blockSource, metrics, logger },
    syncProtocol(options.chainId),
    syncOptions,
  );

  const direct = new DirectChannel({ libp2p, metrics, logger }, directProtocol(options.chainId), {
    ...DEFAULT_DIRECT_OPTIONS,
    ...options.direct,
    maxFrameBytes: limits.consensus,
  });

  const discovery = new PeerDiscovery(
    { libp2p, leags: components.leags, metrics, logger },
    peersProtocol(options.chainId),
    {
      ...DEFAULT_DISCOVERY_OPTIONS,
      targetPeers: p2p.targetPeers,
      intervalMs: p2p.discoveryIntervalMs,
      dialTimeoutMs: p2p.dialTimeoutMs,
    },
  );
  /** Peer ids of the committee as last set; gossipsub direct peers when `p2p.directCommittee`. */
  let committee = new Set<string>();

  const updatePeerGauges = (): void => {
    const { pubsub } = libp2p.services;
    metrics.peersConnected.set(libp2p.getPeers().length);
    for (const kind of TOPIC_KINDS) {
      metrics.topicPeers.set({ topic: kind }, pubsub.getSubscribers(router.topic(kind)).length);
      metrics.meshPeers.set({ topic: kind }, pubsub.getMeshPeers(router.topic(kind)).length);
    }
  };
  const waiters = new TopicPeerWaiters((kind) => topicPeers(kind).length);
  const onTopology = (): void => {
    updatePeerGauges();
    waiters.checkAll();
  };
  const onConnect = (): void => {
    onTopology();
    // A new connection is a new source of addresses while this node is still short of peers.
    if (libp2p.getPeers().length < p2p.targetPeers) discovery.nudge();
  };
  let started = false;

  const topicPeers = (kind: TopicKind): PeerId[] => libp2p.services.pubsub.getSubscribers(router.topic(kind));

  return {
    peerId: libp2p.peerId,

    async start() {
      if (started) return;
      await libp2p.start();
      await sync.start();
      await direct.start();
      await discovery.start();
      router.start();
      libp2p.addEventListener('peer:connect', onConnect);
      libp2p.addEventListener('peer:disconnect', onTopology);
      libp2p.services.pubsub.addEventListener('subscription-change', onTopology);
      libp2p.services.pubsub.addEventListener('gossipsub:graft', onTopology);
      libp2p.services.pubsub.addEventListener('gossipsub:prune', onTopology);
      dialer.start();
      started = true;
      const addrs = libp2p.getMultiaddrs().map((a) => a.toString());
      logger.info(
        { peerId: libp2p.peerId.toString(), addrs, bootstrap: bootstrap.length },
        'network started',
      );
    },

    async stop() {
      if (!started) return;
      started = false;
      batcher.flush();
      dialer.stop();
      waiters.cancelAll();
      libp2p.removeEventListener('peer:connect', onConnect);
      libp2p.removeEventListener('peer:disconnect', onTopology);
      libp2p.services.pubsub.removeEventListener('subscription-change', onTopology);
      libp2p.services.pubsub.removeEventListener('gossipsub:graft', onTopology);
      libp2p.services.pubsub.removeEventListener('gossipsub:prune', onTopology);
      router.stop();
      await discovery.stop();
      await direct.stop();
      await sync.stop();
      await libp2p.stop();
      batcher.clear();
      logger.info({}, 'network stopped');
    },

    multiaddrs() {
      return libp2p.getMultiaddrs().map((a) => a.toString());
    },

    publish(kind, data) {
      if (!started) return Promise.reject(new NetworkError({ code: 'not-started' }));
      return router.publish(kind, data);
    },

    publishTx(tx) {
      // Before start or after stop the transaction stays in the local mempool only; a proposer here still includes it.
      if (!started) {
        metrics.gossipPublishErrors.inc({ topic: 'tx' });
        logger.debug({ size: tx.length }, 'tx not gossiped: network not running');
        return;
      }
      batcher.add(tx);
    },

    flushTxs() {
      batcher.flush();
    },

    onMessage(kind, handler) {
      return router.onMessage(kind, handler);
    },

    waitForTopicPeers(kind, min, timeoutMs) {
      return waiters.wait(kind, min, timeoutMs);
    },

    topicPeers,

    connectedPeers() {
      return libp2p.getPeers();
    },

    requestBlocks(peer, from, to) {
      if (!started) return Promise.reject(new NetworkError({ code: 'not-started' }));
      return sync.requestBlocks(peer, from, to);
    },

    sendTo(leagKey, data) {
      return direct.sendTo(leagKey, data);
    },

    onDirect(handler) {
      return direct.onDirect(handler);
    },

    setCommittee(leagKeys) {
      const peers: PeerId[] = [];
      for (const key of leagKeys) {
        try {
          const peer = peerIdFromLeagKey(key);
          if (!peer.equals(libp2p.peerId)) peers.push(peer);
        } catch {
          logger.warn({ length: key.length }, 'committee key is not a LEAG key; ignored');
        }
      }
      const next = new Set(peers.map((p) => p.toString()));
      if (p2p.directCommittee) {
        // gossipsub's direct set is read at every publish, forward and heartbeat, so updating it in place is enough.
        const { direct } = libp2p.services.pubsub;
        for (const id of committee) if (!next.has(id)) direct.delete(id);
        for (const id of next) direct.add(id);
      }
      committee = next;
      void discovery.setCommittee(peers);
    },

    meshPeers(kind) {
      return libp2p.services.pubsub.getMeshPeers(router.topic(kind)).map((id) => peerIdFromString(id));
    },

    async enforceAllowList() {
      const outsiders = libp2p.getPeers().filter((peer) => {
        const key = leagKeyFromPeerId(peer);
        return key === null || !components.leags.isLeag(key);
      });
      for (const peer of outsiders)
        logger.info({ peer: peer.toString() }, 'disconnecting peer no longer a LEAG');
      await Promise.all(outsiders.map((peer) => libp2p.hangUp(peer)));
    },
  };
}
