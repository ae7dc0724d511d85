import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import { generateKeyPair, type KeyPair, toHex } from '@v2g/core';
import {
  eventually,
  metricValue,
  sleep,
  startMesh,
  startNode,
  stopAll,
  type TestNode,
  type TestNodeInit,
} from './networkFixtures.ts';

after(stopAll);

interface Inbox {
  readonly frames: Array<{ data: number[]; from: string }>;
}

function inbox(node: TestNode): Inbox {
  const frames: Inbox['frames'] = [];
  node.network.onDirect((data, from) => frames.push({ data: [...data], from: toHex(from) }));
  return { frames };
}

async function pair(
  init: { first?: Partial<TestNodeInit['options']>; second?: Partial<TestNodeInit['options']> } = {},
) {
  const keys = [generateKeyPair(), generateKeyPair()] as const;
  const a = await startNode({ keyPair: keys[0], leags: keys, options: { ...init.first } });
  const b = await startNode({
    keyPair: keys[1],
    leags: keys,
    options: { ...init.second, bootstrap: [a.network.multiaddrs()[0]!] },
  });
  await eventually(() => a.network.connectedPeers().length === 1, 5_000, 'a and b connected');
  return { a, b, keys };
}

const sent = (node: TestNode, result: string) =>
  metricValue(node.registry, 'v2g_direct_send_total', { result });

describe('direct delivery', () => {
  it('delivers frames in order to the named LEAG only, with the sender’s LEAG key', async () => {
    const [a, b, c] = (await startMesh(3)) as [TestNode, TestNode, TestNode];
    const [atB, atC] = [inbox(b), inbox(c)];
    await eventually(() => a.network.connectedPeers().length === 2, 5_000, 'a connected to b and c');

    for (let i = 0; i < 20; i++)
      assert.equal(a.network.sendTo(b.keyPair.publicKey, new Uint8Array([i])), true);
    await eventually(() => atB.frames.length === 20, 5_000, 'b receives 20 frames');
    await sleep(100);

    assert.deepEqual(
      atB.frames.map((f) => f.data[0]),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.ok(atB.frames.every((f) => f.from === toHex(a.keyPair.publicKey)));
    assert.equal(atC.frames.length, 0, 'c was not addressed');
    assert.equal(b.received.consensus.length, 0, 'nothing went over gossip');
    assert.equal(await metricValue(a.registry, 'v2g_direct_streams_total', { result: 'opened' }), 1);
  });

  it('re-sends identical bytes to a LEAG that missed them, which gossip refuses to do', async () => {
    const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()] as const;
    const [a, b] = (await startMeshOf(keys.slice(0, 2), keys)) as [TestNode, TestNode];
    await Promise.all([a, b].map((n) => n.network.waitForTopicPeers('consensus', 1, 10_000)));
    await sleep(1_200); // a heartbeat: both ends have their outbound gossip streams
    const vote = new Uint8Array([0xc0, 0xff, 0xee]);
    assert.equal(await a.network.publish('consensus', vote), 1);
    await eventually(() => b.received.consensus.length === 1, 10_000, 'b hears the vote');

    // A LEAG that started late: it connects after the vote went out.
    const late = await startNode({
      keyPair: keys[2],
      leags: keys,
      options: { bootstrap: [a.network.multiaddrs()[0]!] },
    });
    const atLate = inbox(late);
    await late.network.waitForTopicPeers('consensus', 1, 10_000);
    await a.network.waitForTopicPeers('consensus', 2, 10_000);
    await sleep(1_200); // a heartbeat, so that the late LEAG is in a's mesh

    assert.equal(await a.network.publish('consensus', vote), 0, 'gossip drops a message id it has seen');
    assert.equal(a.network.sendTo(late.keyPair.publicKey, vote), true);
    await eventually(() => atLate.frames.length === 1, 5_000, 'the late LEAG receives the vote');
    assert.deepEqual(atLate.frames[0]!.data, [...vote]);
    assert.equal(late.received.consensus.length, 0);
  });

  it('returns false, without throwing, for a LEAG it is not connected to and for a malformed key', async () => {
    const stranger = generateKeyPair();
    const { a } = await pair();
    assert.equal(a.network.sendTo(stranger.publicKey, new Uint8Array([1])), false);
    assert.equal(a.network.sendTo(new Uint8Array(5), new Uint8Array([1])), false);
    assert.equal(
      a.network.sendTo(a.keyPair.publicKey, new Uint8Array([1])),
      false,
      'no connection to itself',
    );
    assert.equal(await sent(a, 'not-connected'), 2);
    assert.equal(await sent(a, 'bad-key'), 1);
  });

  it('refuses a frame over the consensus limit, and cuts a stream that carries one', async () => {
    const { a, b } = await pair({
      first: { topicLimits: { consensus: 64 * 1024 } },
      second: { topicLimits: { consensus: 1024 } },
    });
    const atB = inbox(b);
    assert.equal(b.network.sendTo(a.keyPair.publicKey, new Uint8Array(2048)), false);
    assert.equal(await sent(b, 'too-large'), 1);

    // a's limit is larger than b's: b reads the length prefix, refuses the frame and resets the stream.
    assert.equal(a.network.sendTo(b.keyPair.publicKey, new Uint8Array(2048).fill(9)), true);
    await eventually(
      async () => (await metricValue(b.registry, 'v2g_direct_received_total', { result: 'too-large' })) === 1,
      5_000,
      'oversized frame refused',
    );
    await eventually(
      async () => (await metricValue(a.registry, 'v2g_direct_streams_total', { result: 'broken' })) === 1,
      5_000,
      'sender notices the reset',
    );
    // The next frame goes over a new stream.
    assert.equal(a.network.sendTo(b.keyPair.publicKey, new Uint8Array([7])), true);
    await eventually(() => atB.frames.length === 1, 5_000, 'small frame after the reset');
    assert.deepEqual(atB.frames[0]!.data, [7]);
    assert.equal(await metricValue(a.registry, 'v2g_direct_streams_total', { result: 'opened' }), 2);
  });

  it('keeps only the newest frames when the per-peer queue is full', async () => {
    const { a, b } = await pair({ first: { direct: { maxQueuedFrames: 3 } } });
    const atB = inbox(b);
    // All ten are queued before the stream is open (opening is asynchronous), so seven are dropped.
    for (let i = 0; i < 10; i++)
      assert.equal(a.network.sendTo(b.keyPair.publicKey, new Uint8Array([i])), true);
    await eventually(() => atB.frames.length === 3, 5_000, 'three frames delivered');
    await sleep(200);
    assert.deepEqual(
      atB.frames.map((f) => f.data[0]),
      [7, 8, 9],
    );
    assert.equal(await metricValue(a.registry, 'v2g_direct_dropped_total', { reason: 'queue-full' }), 7);
  });

  it('re-opens the stream after the LEAG restarts and reconnects', async () => {
    const keys = [generateKeyPair(), generateKeyPair()] as const;
    const first = await startNode({ keyPair: keys[0], leags: keys });
    const addr = first.network.multiaddrs()[0]!;
    const port = multiaddr(addr).toOptions().port;
    const sender = await startNode({
      keyPair: keys[1],
      leags: keys,
      options: { bootstrap: [addr], redial: { minDelayMs: 100, maxDelayMs: 400 } },
    });
    const atFirst = inbox(first);
    await eventually(() => sender.network.connectedPeers().length === 1, 5_000, 'connected');
    assert.equal(sender.network.sendTo(keys[0].publicKey, new Uint8Array([1])), true);
    await eventually(() => atFirst.frames.length === 1, 5_000, 'first frame');

    await first.network.stop();
    await eventually(() => sender.network.connectedPeers().length === 0, 5_000, 'loss noticed');
    assert.equal(sender.network.sendTo(keys[0].publicKey, new Uint8Array([2])), false);

    const restarted = await startNode({
      keyPair: keys[0],
      leags: keys,
      options: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
    });
    const atRestarted = inbox(restarted);
    await eventually(() => sender.network.connectedPeers().length === 1, 5_000, 'redialled');
    assert.equal(sender.network.sendTo(keys[0].publicKey, new Uint8Array([3])), true);
    await eventually(() => atRestarted.frames.length === 1, 5_000, 'frame after restart');
    assert.deepEqual(atRestarted.frames[0]!.data, [3]);
  });
});

/** Starts LEAGs for `own` keys (each bootstrapping to those before it), all allowing every key in `all`. */
async function startMeshOf(own: readonly KeyPair[], all: readonly KeyPair[]): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  for (const keyPair of own) {
    const bootstrap = nodes.map((n) => n.network.multiaddrs()[0]!);
    nodes.push(await startNode({ keyPair, leags: all, options: { bootstrap } }));
  }
  return nodes;
}
