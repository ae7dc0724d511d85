import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import { bytesEqual, generateKeyPair } from '@v2g/core';
import { ACCEPT, encodeGossipTxBatch, gossipTopic, NetworkError, reject } from '../src/network/index.ts';
import {
  CHAIN_ID,
  eventually,
  metricValue,
  sleep,
  startMesh,
  startNode,
  startRawPeer,
  stopAll,
  type TestNodeInit,
} from './networkFixtures.ts';

after(stopAll);

describe('gossip across four LEAGs', () => {
  it('forms a mesh and delivers a message on each topic to every other LEAG', async () => {
    const nodes = await startMesh(4);
    await Promise.all(nodes.map((n) => n.network.waitForTopicPeers('consensus', 3, 10_000)));
    await Promise.all(nodes.map((n) => n.network.waitForTopicPeers('tx', 3, 10_000)));
    const [a, b, c, d] = nodes as [
      (typeof nodes)[0],
      (typeof nodes)[0],
      (typeof nodes)[0],
      (typeof nodes)[0],
    ];

    const vote = new Uint8Array([1, 2, 3, 4]);
    // Larger than the 4 MiB frame libp2p modules default to: the block topic must carry a maximal block.
    const block = new Uint8Array(6 * 1024 * 1024).fill(7);
    assert.equal(await a.network.publish('consensus', vote), 3);
    assert.equal(await b.network.publish('block', block), 3);
    const txs = Array.from({ length: 10 }, (_, i) => new Uint8Array([0xaa, i]));
    for (const tx of txs) c.network.publishTx(tx);

    const others = (self: object) => nodes.filter((n) => n !== self);
    await eventually(
      () => others(a).every((n) => n.received.consensus.length === 1),
      10_000,
      'consensus delivery',
    );
    await eventually(() => others(b).every((n) => n.received.block.length === 1), 10_000, 'block delivery');
    await eventually(
      () => others(c).every((n) => n.received.tx.length === txs.length),
      10_000,
      'tx delivery',
    );

    for (const n of others(a)) assert.ok(bytesEqual(n.received.consensus[0]!, vote));
    for (const n of others(b)) assert.ok(bytesEqual(n.received.block[0]!, block));
    for (const n of others(c))
      assert.deepEqual(
        n.received.tx.map((t) => [...t]),
        txs.map((t) => [...t]),
      );
    // Ten transactions travelled as one batch: one gossip message per receiver.
    assert.equal(await metricValue(c.registry, 'v2g_gossip_tx_batches_published_total'), 1);
    assert.equal(await metricValue(d.registry, 'v2g_gossip_messages_received_total', { topic: 'tx' }), 1);
    assert.equal(
      await metricValue(d.registry, 'v2g_gossip_txs_received_total', { result: 'accept' }),
      txs.length,
    );
    assert.equal(await metricValue(d.registry, 'v2g_network_peers_connected'), 3);
    assert.equal(await metricValue(d.registry, 'v2g_network_topic_peers', { topic: 'block' }), 3);
    assert.equal(a.network.topicPeers('block').length, 3);
    assert.match(a.network.multiaddrs()[0]!, new RegExp(`/p2p/${a.network.peerId.toString()}$`));
  });
});

/** A—B—C in a line, so C hears A only through B's validation and forwarding. */
async function startLine(middle: Omit<TestNodeInit, 'keyPair' | 'leags'> = {}) {
  const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()] as const;
  const rawKey = generateKeyPair();
  const b = await startNode({ ...middle, keyPair: keys[1], leags: [...keys, rawKey] });
  const bootstrap = [b.network.multiaddrs()[0]!];
  const a = await startNode({ keyPair: keys[0], leags: keys, options: { bootstrap } });
  const c = await startNode({ keyPair: keys[2], leags: keys, options: { bootstrap } });
  await Promise.all([a, b, c].map((n) => n.network.waitForTopicPeers('consensus', n === b ? 2 : 1, 10_000)));
  await Promise.all([a, b, c].map((n) => n.network.waitForTopicPeers('tx', n === b ? 2 : 1, 10_000)));
  return { a, b, c, rawKey };
}

describe('gossip validation', () => {
  it('rejects oversized and invalid messages, counts them by reason, and does not forward them', async () => {
    const { a, b, c } = await startLine({
      validators: { consensus: (data) => (data[0] === 0xff ? reject('bad-signature') : ACCEPT) },
      options: { topicLimits: { consensus: 1000 } },
    });
    const oversized = new Uint8Array(5000).fill(1);
    const invalid = new Uint8Array([0xff, 1, 2]);
    const valid = new Uint8Array([0x01, 1, 2]);
    await a.network.publish('consensus', oversized);
    await a.network.publish('consensus', invalid);
    // Wait until B has meshed C, so that an accepted message is forwarded.
    await eventually(
      () => c.received.consensus.length > 0 || b.validated.consensus.length >= 1,
      10_000,
      'b validates',
    );
    await sleep(1200);
    await a.network.publish('consensus', valid);
    await eventually(() => c.received.consensus.length === 1, 10_000, 'valid message forwarded to c');
    await sleep(200);

    assert.deepEqual([...c.received.consensus[0]!], [...valid]);
    assert.equal(c.validated.consensus.length, 1, 'c saw only the valid message');
    assert.equal(b.received.consensus.length, 1, 'b delivered only the valid message');
    assert.ok(
      b.validated.consensus.every((m) => m.length < 1000),
      'the oversized message never reached the validator',
    );
    const validatedB = (result: string, reason: string) =>
      metricValue(b.registry, 'v2g_gossip_messages_validated_total', { topic: 'consensus', result, reason });
    assert.equal(await validatedB('reject', 'too-large'), 1);
    assert.equal(await validatedB('reject', 'bad-signature'), 1);
    assert.equal(await validatedB('accept', ''), 1);
    assert.equal(
      await metricValue(b.registry, 'v2g_gossip_messages_received_total', { topic: 'consensus' }),
      3,
    );
    await assert.rejects(
      a.network.publish('consensus', new Uint8Array(20 * 1024 * 1024)),
      (err: unknown) => err instanceof NetworkError && err.code === 'message-too-large',
    );
  });

  it('rejects a malformed tx batch and a batch carrying an invalid tx, delivering the valid txs', async () => {
    const bad = new Uint8Array([0xba, 0xd0]);
    const good = new Uint8Array([0x60, 0x0d]);
    const { b, c, rawKey } = await startLine({
      validators: { tx: (tx) => (tx[0] === 0xba ? reject('bad-signature') : ACCEPT) },
    });
    // A LEAG that misbehaves on the wire: publishes straight to the topic.
    const raw = await startRawPeer(rawKey);
    const topic = gossipTopic(CHAIN_ID, 'tx');
    raw.services.pubsub.subscribe(topic);
    await raw.dial(multiaddr(b.network.multiaddrs()[0]!));
    await eventually(
      () => raw.services.pubsub.getSubscribers(topic).length === 1,
      10_000,
      'raw sees b subscribed',
    );
    await sleep(1200);

    await raw.services.pubsub.publish(topic, new Uint8Array([0x01, 0x02, 0x03]));
    await raw.services.pubsub.publish(topic, encodeGossipTxBatch(1, []));
    await raw.services.pubsub.publish(topic, encodeGossipTxBatch(2, [good, bad]));
    await eventually(() => b.received.tx.length === 1, 10_000, 'good tx delivered');
    await sleep(300);

    const validatedB = (result: string, reason: string) =>
      metricValue(b.registry, 'v2g_gossip_messages_validated_total', { topic: 'tx', result, reason });
    assert.equal(await validatedB('reject', 'malformed-batch'), 2);
    assert.equal(await validatedB('reject', 'bad-signature'), 1);
    assert.deepEqual([...b.received.tx[0]!], [...good]);
    assert.equal(await metricValue(b.registry, 'v2g_gossip_txs_received_total', { result: 'reject' }), 1);
    assert.equal(c.validated.tx.length, 0, 'no rejected batch was forwarded');
  });

  it('ignores a message whose validator throws, without delivering it', async () => {
    const { a, b } = await startLine({
      validators: {
        block: () => {
          throw new Error('storage down');
        },
      },
    });
    await a.network.publish('block', new Uint8Array([9]));
    await eventually(() => b.validated.block.length === 1, 10_000, 'b validates');
    await sleep(100);
    assert.equal(b.received.block.length, 0);
    assert.equal(
      await metricValue(b.registry, 'v2g_gossip_messages_validated_total', {
        topic: 'block',
        result: 'ignore',
        reason: 'validator-error',
      }),
      1,
    );
  });

  it('ignores messages as overloaded while too many validations are pending', async () => {
    const release: Array<() => void> = [];
    const { a, b } = await startLine({
      validators: {
        consensus: () => new Promise((resolve) => release.push(() => resolve(ACCEPT))),
      },
      options: { maxPendingValidations: 2 },
    });
    for (let i = 0; i < 5; i++) await a.network.publish('consensus', new Uint8Array([i]));
    const overloaded = () =>
      metricValue(b.registry, 'v2g_gossip_messages_validated_total', {
        topic: 'consensus',
        result: 'ignore',
        reason: 'overloaded',
      });
    await eventually(async () => (await overloaded()) === 3, 5_000, 'three ignored');
    assert.equal(release.length, 2);
    for (const r of release) r();
    await eventually(() => b.received.consensus.length === 2, 5_000, 'two delivered');
  });

  it('waitForTopicPeers times out with a coded error when peers are missing', async () => {
    const lonely = await startNode();
    await assert.rejects(
      lonely.network.waitForTopicPeers('consensus', 1, 200),
      (err: unknown) => err instanceof NetworkError && err.code === 'topic-peers-timeout',
    );
  });
});
