import type { GossipsubOpts } from '@chainsafe/libp2p-gossipsub';
import type { PeerScoreParams, TopicScoreParams } from '@chainsafe/libp2p-gossipsub/score';
import { NetworkError } from './errors.ts';

/**
 * Peer-to-peer settings for a permissioned, known set of LEAGs (4–64 of
 * them). Every field has a default; a LEAG config may override any of them
 * under `p2p`. The defaults assume every peer is an allow-listed LEAG (the
 * gater refuses anyone else), so scoring only needs to catch a LEAG that
 * misbehaves, never to resist a Sybil swarm.
 */
export interface P2pOptions {
  /**
   * Connections libp2p keeps before it prunes the least valued (libp2p's
   * default is 300). 64 LEAGs need at most 63, plus duplicates while two LEAGs
   * dial each other at once; committee members are tagged keep-alive and are
   * never the ones pruned.
   */
  readonly maxConnections: number;
  /** Dials in flight at once, across all peers. */
  readonly maxParallelDials: number;
  /** Inbound connections still in their handshake at once (libp2p: 10); 64 LEAGs restarted together dial each other. */
  readonly maxIncomingPendingConnections: number;
  /** New inbound connections accepted per second from one IP (libp2p: 5); on loopback every LEAG shares one IP. */
  readonly inboundConnectionsPerSecond: number;
  /** Bound on one dial: TCP connect, noise, yamux. */
  readonly dialTimeoutMs: number;
  /**
   * Discovery dials LEAGs it has learned of until this many are connected.
   * Above it a LEAG still accepts inbound connections (up to maxConnections)
   * and still dials committee members.
   */
  readonly targetPeers: number;
  /** How often discovery asks connected LEAGs for the LEAGs they know, and dials those it lacks. */
  readonly discoveryIntervalMs: number;
  /** gossipsub D: the mesh degree aimed for on each topic. */
  readonly meshD: number;
  /** gossipsub Dlo: below this the heartbeat grafts more peers. */
  readonly meshDlo: number;
  /** gossipsub Dhi: above this the heartbeat prunes down to D. */
  readonly meshDhi: number;
  /** gossipsub Dlazy: peers outside the mesh told of recent message ids (IHAVE) at each heartbeat. */
  readonly meshDlazy: number;
  /** gossipsub heartbeat (mesh upkeep, IHAVE gossip), in milliseconds. */
  readonly heartbeatIntervalMs: number;
  /** Send our own messages to every subscribed peer rather than only the mesh: one hop for a vote, at the cost of bandwidth for a proposal. */
  readonly floodPublish: boolean;
  /**
   * gossipsub P6, the penalty for many peers on one IP: (peers on the IP − 10)² × weight.
   * 0 (off) because each peer is an allow-listed LEAG already; with the library's −5,
   * 16 LEAGs on loopback score (16 − 10)² × −5 = −180, below the graylist threshold, and
   * their SUBSCRIBE and GRAFT messages are dropped.
   */
  readonly ipColocationFactorWeight: number;
  /**
   * gossipsub P4 per topic: (invalid messages)² × weight, decaying by a tenth a second. With
   * −10, a LEAG that sends three invalid messages in quick succession drops below the
   * graylist threshold for a few seconds; one stray message is forgiven.
   */
  readonly invalidMessageWeight: number;
  /** Below this score a peer's messages are dropped altogether (gossipsub graylist); must be ≤ −50 (the publish threshold). */
  readonly graylistThreshold: number;
  /** Make the committee gossipsub direct peers: every message goes to them at once, outside the mesh. */
  readonly directCommittee: boolean;
}

export const DEFAULT_P2P_OPTIONS: P2pOptions = {
  maxConnections: 160,
  maxParallelDials: 32,
  maxIncomingPendingConnections: 64,
  inboundConnectionsPerSecond: 128,
  dialTimeoutMs: 5_000,
  targetPeers: 32,
  discoveryIntervalMs: 15_000,
  meshD: 8,
  meshDlo: 6,
  meshDhi: 12,
  meshDlazy: 8,
  heartbeatIntervalMs: 700,
  floodPublish: true,
  ipColocationFactorWeight: 0,
  invalidMessageWeight: -10,
  graylistThreshold: -80,
  directCommittee: true,
};

/** gossipsub's own gossip and publish thresholds, kept: a LEAG's score is 0 unless it misbehaves. */
const GOSSIP_THRESHOLD = -10;
const PUBLISH_THRESHOLD = -50;

/** Merges overrides onto the defaults and checks the relations gossipsub and libp2p rely on. */
export function resolveP2pOptions(overrides: Partial<P2pOptions> = {}): P2pOptions {
  const p = { ...DEFAULT_P2P_OPTIONS, ...overrides };
  const bad = (field: keyof P2pOptions, reason: string): never => {
    throw new NetworkError({ code: 'bad-p2p-options', field, reason });
  };
  for (const field of [
    'maxConnections',
    'maxParallelDials',
    'maxIncomingPendingConnections',
    'inboundConnectionsPerSecond',
    'dialTimeoutMs',
    'targetPeers',
    'discoveryIntervalMs',
    'meshD',
    'meshDlo',
    'meshDhi',
    'meshDlazy',
    'heartbeatIntervalMs',
  ] as const) {
    if (!Number.isSafeInteger(p[field]) || p[field] < 1) bad(field, 'must be a positive integer');
  }
  if (!(p.meshDlo <= p.meshD && p.meshD <= p.meshDhi)) bad('meshD', 'needs meshDlo <= meshD <= meshDhi');
  if (p.meshDlo < 2) bad('meshDlo', 'must be at least 2 (one outbound peer is kept below it)');
  if (p.targetPeers > p.maxConnections) bad('targetPeers', 'must not exceed maxConnections');
  if (!(p.ipColocationFactorWeight <= 0)) bad('ipColocationFactorWeight', 'must be 0 or negative');
  if (!(p.invalidMessageWeight <= 0)) bad('invalidMessageWeight', 'must be 0 or negative');
  if (!(p.graylistThreshold <= PUBLISH_THRESHOLD))
    bad('graylistThreshold', `must be at most the publish threshold ${PUBLISH_THRESHOLD}`);
  return p;
}

/** Only P4 (invalid messages) counts per topic. */
function topicScore(p: P2pOptions): TopicScoreParams {
  return {
    topicWeight: 1,
    // P1 and P2 reward time in the mesh and first deliveries; among known LEAGs there is nobody to prefer.
    timeInMeshWeight: 0,
    timeInMeshQuantum: 1_000,
    timeInMeshCap: 3_600,
    firstMessageDeliveriesWeight: 0,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 100,
    // P3 penalises mesh peers that deliver fewer messages than a threshold: on a quiet chain (no transactions,
    // votes only from the committee) every honest LEAG would fall short, so it is off.
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 100,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5_000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: p.invalidMessageWeight,
    invalidMessageDeliveriesDecay: 0.9,
  };
}

/** The gossipsub settings that follow from `p2p`, for the given topic strings. */
export function gossipsubTuning(
  p: P2pOptions,
  topics: readonly string[],
): Pick<
  GossipsubOpts,
  | 'D'
  | 'Dlo'
  | 'Dhi'
  | 'Dlazy'
  | 'Dout'
  | 'heartbeatInterval'
  | 'floodPublish'
  | 'scoreParams'
  | 'scoreThresholds'
> {
  const scoreParams: Partial<PeerScoreParams> = {
    topics: Object.fromEntries(topics.map((topic) => [topic, topicScore(p)])),
    topicScoreCap: 10,
    IPColocationFactorWeight: p.ipColocationFactorWeight,
    // Behaviour penalties (re-GRAFT during backoff, unanswered IWANT) keep gossipsub's defaults.
  };
  return {
    D: p.meshD,
    Dlo: p.meshDlo,
    Dhi: p.meshDhi,
    Dlazy: p.meshDlazy,
    // gossipsub requires Dout < Dlo and Dout <= D/2.
    Dout: Math.min(2, p.meshDlo - 1, Math.floor(p.meshD / 2)),
    heartbeatInterval: p.heartbeatIntervalMs,
    floodPublish: p.floodPublish,
    scoreParams,
    scoreThresholds: {
      gossipThreshold: GOSSIP_THRESHOLD,
      publishThreshold: PUBLISH_THRESHOLD,
      graylistThreshold: p.graylistThreshold,
    },
  };
}

/**
 * How libp2p redials a lost keep-alive peer (our committee members): 5
 * tries, 1 s, 2 s, 4 s, … apart. libp2p 2.9 passes its own defaults for the
 * interval and factor to p-retry as `undefined`, which overrides p-retry's
 * defaults, so every retry came 1 ms after the last (a TimeoutNaNWarning in
 * the logs) and a committee member that was briefly away lost its
 * keep-alive tag within milliseconds. Set explicitly, they hold.
 */
export const RECONNECT = { retries: 5, intervalMs: 1000, backoffFactor: 2 } as const;

/** The libp2p connection manager settings that follow from `p2p`. */
export function connectionManagerTuning(p: P2pOptions) {
  return {
    maxConnections: p.maxConnections,
    maxParallelDials: p.maxParallelDials,
    maxIncomingPendingConnections: p.maxIncomingPendingConnections,
    inboundConnectionThreshold: p.inboundConnectionsPerSecond,
    dialTimeout: p.dialTimeoutMs,
    reconnectRetries: RECONNECT.retries,
    reconnectRetryInterval: RECONNECT.intervalMs,
    reconnectBackoffFactor: RECONNECT.backoffFactor,
  };
}
