/**
 * Gossip throughput across a 4-LEAG loopback mesh, bounded in count and time.
 *   node packages/node/src/network/bench.ts [messages] [txs]
 * Reports consensus-topic messages/s and tx/s with and without batching.
 */
import { randomBytes } from 'node:crypto';
import { generateKeyPair } from '@v2g/core';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { LeagAllowList } from './leagAllowList.ts';
import { createNetwork, type Network, type NetworkOptions } from './network.ts';
import { ACCEPT } from './verdict.ts';

const NODES = 4;
const TIMEOUT_MS = 60_000;
const logger = pino({ level: 'info' });

interface Mesh {
  nodes: Network[];
  counts: { consensus: number[]; tx: number[] };
}

async function startMesh(options: Partial<NetworkOptions>): Promise<Mesh> {
  const keys = Array.from({ length: NODES }, () => generateKeyPair());
  const allow = new LeagAllowList(keys.map((k) => k.publicKey));
  const nodes: Network[] = [];
  const counts = { consensus: new Array<number>(NODES).fill(0), tx: new Array<number>(NODES).fill(0) };
  for (const [i, keyPair] of keys.entries()) {
    const network = await createNetwork(
      {
        logger: pino({ level: 'warn' }),
        registry: new Registry(),
        keyPair,
        leags: allow,
        validators: { tx: () => ACCEPT, consensus: () => ACCEPT, block: () => ACCEPT },
        blockSource: { serveBlocks: async () => [] },
      },
      {
        chainId: 'bench',
        listen: ['/ip4/127.0.0.1/tcp/0'],
        bootstrap: nodes.map((n) => n.multiaddrs()[0]!),
        ...options,
      },
    );
    network.onMessage('consensus', () => counts.consensus[i]!++);
    network.onMessage('tx', () => counts.tx[i]!++);
    await network.start();
    nodes.push(network);
  }
  await Promise.all(nodes.map((n) => n.waitForTopicPeers('tx', NODES - 1, 10_000)));
  await Promise.all(nodes.map((n) => n.waitForTopicPeers('consensus', NODES - 1, 10_000)));
  // Let a heartbeat build the meshes before measuring.
  await new Promise((r) => setTimeout(r, 1500));
  return { nodes, counts };
}

async function until(done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** Every node publishes its share; done when each node has received everyone else's. */
async function benchMessages(mesh: Mesh, total: number, size: number) {
  const perNode = Math.floor(total / NODES);
  const started = performance.now();
  await Promise.all(
    mesh.nodes.map(async (n) => {
      for (let i = 0; i < perNode; i++) await n.publish('consensus', randomBytes(size));
    }),
  );
  const complete = await until(() => mesh.counts.consensus.every((c) => c >= perNode * (NODES - 1)));
  const seconds = (performance.now() - started) / 1000;
  return {
    complete,
    messages: perNode * NODES,
    size,
    seconds,
    messagesPerSecond: Math.round((perNode * NODES) / seconds),
  };
}

async function benchTxs(mesh: Mesh, total: number, size: number) {
  const perNode = Math.floor(total / NODES);
  const started = performance.now();
  for (let i = 0; i < perNode; i++) {
    for (const n of mesh.nodes) n.publishTx(randomBytes(size));
    // Yield now and then so the event loop can send, as an API-fed daemon would.
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  for (const n of mesh.nodes) n.flushTxs();
  const complete = await until(() => mesh.counts.tx.every((c) => c >= perNode * (NODES - 1)));
  const seconds = (performance.now() - started) / 1000;
  return {
    complete,
    txs: perNode * NODES,
    size,
    seconds,
    txPerSecond: Math.round((perNode * NODES) / seconds),
  };
}

async function main(): Promise<void> {
  const messages = Math.min(Number(process.argv[2] ?? 8000), 100_000);
  const txs = Math.min(Number(process.argv[3] ?? 40_000), 400_000);

  const mesh = await startMesh({});
  try {
    logger.info(await benchMessages(mesh, messages, 200), 'consensus messages, 200 B each');
    logger.info(await benchTxs(mesh, txs, 250), 'txs of 250 B, batched (64 KiB / 50 ms)');
  } finally {
    await Promise.all(mesh.nodes.map((n) => n.stop()));
  }

  const unbatched = await startMesh({ txBatch: { maxBytes: 1 } });
  try {
    logger.info(
      await benchTxs(unbatched, Math.min(txs, messages), 250),
      'txs of 250 B, one per gossip message',
    );
  } finally {
    await Promise.all(unbatched.nodes.map((n) => n.stop()));
  }
}

await main();
