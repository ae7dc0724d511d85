import { type GossipSub, gossipsub } from '@chainsafe/libp2p-gossipsub';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { generateKeyPair, type KeyPair, sha256 } from '@v2g/core';
import { createLibp2p, type Libp2pOptions } from 'libp2p';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  ACCEPT,
  type BlockSource,
  createNetwork,
  type GossipValidators,
  LeagAllowList,
  type Network,
  type NetworkOptions,
  privateKeyFromLeagKey,
  type TopicKind,
} from '../src/network/index.ts';

export const CHAIN_ID = 'testnet-1';
export const LOOPBACK = '/ip4/127.0.0.1/tcp/0';

export interface TestNode {
  readonly keyPair: KeyPair;
  readonly network: Network;
  readonly registry: Registry;
  readonly allow: LeagAllowList;
  readonly received: Record<TopicKind, Uint8Array[]>;
  /** Every call the validators saw, in order. */
  readonly validated: Record<TopicKind, Uint8Array[]>;
}

export interface TestNodeInit {
  keyPair?: KeyPair;
  /** Keys allowed to connect; the node's own key is always added. */
  leags?: readonly KeyPair[];
  validators?: Partial<GossipValidators>;
  blockSource?: BlockSource;
  options?: Partial<NetworkOptions>;
}

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

const started: Network[] = [];

export async function startNode(init: TestNodeInit = {}): Promise<TestNode> {
  const keyPair = init.keyPair ?? generateKeyPair();
  const allow = new LeagAllowList([keyPair.publicKey, ...(init.leags ?? []).map((k) => k.publicKey)]);
  const registry = new Registry();
  const received: Record<TopicKind, Uint8Array[]> = { tx: [], consensus: [], block: [] };
  const validated: Record<TopicKind, Uint8Array[]> = { tx: [], consensus: [], block: [] };
  const record =
    (kind: TopicKind, custom: GossipValidators[TopicKind] | undefined): GossipValidators[TopicKind] =>
    (data, from) => {
      validated[kind].push(data);
      return custom ? custom(data, from) : ACCEPT;
    };
  const network = await createNetwork(
    {
      logger,
      registry,
      keyPair,
      leags: allow,
      validators: {
        tx: record('tx', init.validators?.tx),
        consensus: record('consensus', init.validators?.consensus),
        block: record('block', init.validators?.block),
      },
      blockSource: init.blockSource ?? { serveBlocks: async () => [] },
    },
    { chainId: CHAIN_ID, listen: [LOOPBACK], ...init.options },
  );
  for (const kind of ['tx', 'consensus', 'block'] as const)
    network.onMessage(kind, (data) => received[kind].push(data));
  await network.start();
  started.push(network);
  return { keyPair, network, registry, allow, received, validated };
}

/** Starts `count` LEAGs that all know each other; node i bootstraps to every node before it. */
export async function startMesh(
  count: number,
  init: Omit<TestNodeInit, 'keyPair' | 'leags'> = {},
): Promise<TestNode[]> {
  const keys = Array.from({ length: count }, () => generateKeyPair());
  const nodes: TestNode[] = [];
  for (const keyPair of keys) {
    const bootstrap = nodes.map((n) => n.network.multiaddrs()[0]!);
    nodes.push(await startNode({ ...init, keyPair, leags: keys, options: { ...init.options, bootstrap } }));
  }
  return nodes;
}

export async function stopAll(): Promise<void> {
  const all = started.splice(0);
  await Promise.all(all.map((n) => n.stop()));
  await Promise.all(rawPeers.splice(0).map((p) => p.stop()));
}

/** Polls until `condition` holds; fails after `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

type RawServices = { identify: unknown; pubsub: GossipSub };
const rawPeers: Libp2p<RawServices>[] = [];

/**
 * A bare libp2p node speaking the same protocols but without our gater or
 * validators: an outsider, or a LEAG that misbehaves on the wire.
 */
export async function startRawPeer(keyPair: KeyPair = generateKeyPair()): Promise<Libp2p<RawServices>> {
  type Init = Libp2pOptions<RawServices>;
  const node = await createLibp2p<RawServices>({
    privateKey: await privateKeyFromLeagKey(keyPair),
    addresses: { listen: [LOOPBACK] },
    transports: [tcp()] as unknown as NonNullable<Init['transports']>,
    connectionEncrypters: [noise()] as unknown as NonNullable<Init['connectionEncrypters']>,
    streamMuxers: [yamux()] as unknown as NonNullable<Init['streamMuxers']>,
    services: {
      identify: identify() as unknown as NonNullable<Init['services']>['identify'],
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictNoSign',
        msgIdFn: (msg) => sha256(msg.data),
        allowPublishToZeroTopicPeers: true,
        fallbackToFloodsub: false,
      }) as unknown as NonNullable<Init['services']>['pubsub'],
    },
  });
  rawPeers.push(node);
  return node;
}

export function peerOf(node: TestNode): PeerId {
  return node.network.peerId;
}
