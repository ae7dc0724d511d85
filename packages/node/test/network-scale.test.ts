import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { bytesEqual, generateKeyPair } from '@v2g/core';
import { DEFAULT_P2P_OPTIONS, type P2pOptions } from '../src/network/index.ts';
import { eventually, sleep, startNode, stopAll, type TestNode } from './networkFixtures.ts';

after(stopAll);

const LEAGS = 16;

/** 16 LEAGs on loopback; every one but the first is given only the first one's address. */
async function startLoopbackCity(p2p: Partial<P2pOptions> = {}): Promise<TestNode[]> {
  const keys = Array.from({ length: LEAGS }, () => generateKeyPair());
  const first = await startNode({ keyPair: keys[0]!, leags: keys, options: { p2p } });
  const bootstrap = [first.network.multiaddrs()[0]!];
  const rest = await Promise.all(
    keys.slice(1).map((keyPair) => startNode({ keyPair, leags: keys, options: { bootstrap, p2p } })),
  );
  return [first, ...rest];
}

async function stopCity(nodes: readonly TestNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.network.stop()));
}

describe('16 LEAGs on one host', () => {
  it('all become consensus-topic peers with a formed mesh, and a vote reaches all 16', async () => {
    const nodes = await startLoopbackCity();
    await eventually(
      () => nodes.every((n) => n.network.connectedPeers().length === LEAGS - 1),
      // About 5 s on an idle machine (120 noise handshakes in one process); the slack is for a loaded CI.
      60_000,
      'every LEAG connected to the 15 others',
    );
    await Promise.all(nodes.map((n) => n.network.waitForTopicPeers('consensus', LEAGS - 1, 10_000)));
    await eventually(
      () => nodes.every((n) => n.network.meshPeers('consensus').length >= DEFAULT_P2P_OPTIONS.meshDlo),
      10_000,
      'every LEAG has at least Dlo consensus mesh peers',
    );
    for (const n of nodes) assert.ok(n.network.meshPeers('consensus').length <= DEFAULT_P2P_OPTIONS.meshDhi);

    const vote = new Uint8Array([0x76, 0x6f, 0x74, 0x65]);
    const sender = nodes[7]!;
    assert.equal(await sender.network.publish('consensus', vote), LEAGS - 1, 'flood-published to every peer');
    const others = nodes.filter((n) => n !== sender);
    await eventually(() => others.every((n) => n.received.consensus.length === 1), 5_000, 'vote everywhere');
    for (const n of others) assert.ok(bytesEqual(n.received.consensus[0]!, vote));

    // A committee of 7 as direct gossipsub peers of each other: still one delivery to everyone, from a member
    // and from a LEAG outside the committee.
    const committee = nodes.slice(0, 7).map((n) => n.keyPair.publicKey);
    for (const n of nodes) n.network.setCommittee(committee);
    await sleep(1_500); // two heartbeats: meshes adjusted to the direct links
    const [member, outsider] = [nodes[3]!, nodes[12]!];
    await member.network.publish('consensus', new Uint8Array([1]));
    await outsider.network.publish('consensus', new Uint8Array([2]));
    // Three votes so far; a publisher does not receive its own.
    const expected = (n: TestNode): number => ([sender, member, outsider].includes(n) ? 2 : 3);
    await eventually(
      () => nodes.every((n) => n.received.consensus.length === expected(n)),
      5_000,
      'both votes everywhere',
    );
    await sleep(300);
    assert.ok(
      nodes.every((n) => n.received.consensus.length === expected(n)),
      'no duplicates',
    );
    await stopCity(nodes);
  });

  // Evidence for decision 0013's root cause, about gossipsub itself rather than our code: a second city of
  // 16 in one process doubles this file's cost, so it runs on request (V2G_EVIDENCE_TESTS=1).
  it('with gossipsub’s default IP-colocation weight the same 16 LEAGs graylist each other', {
    skip: process.env.V2G_EVIDENCE_TESTS === '1' ? false : 'evidence test; set V2G_EVIDENCE_TESTS=1',
  }, async () => {
    // The root cause of the 16-LEAG stall: (15 peers on 127.0.0.1 − 10)² × −5 = −125, below the graylist (−80).
    const nodes = await startLoopbackCity({ ipColocationFactorWeight: -5 });
    await eventually(
      () => nodes.every((n) => n.network.connectedPeers().length === LEAGS - 1),
      // About 5 s on an idle machine (120 noise handshakes in one process); the slack is for a loaded CI.
      60_000,
      'every LEAG connected to the 15 others',
    );
    await sleep(1_500); // two heartbeats: scores recomputed, meshes settled
    const sender = nodes[7]!;
    assert.equal(
      await sender.network.publish('consensus', new Uint8Array([1])),
      0,
      'no peer above the publish threshold',
    );
    await sleep(500);
    assert.ok(nodes.every((n) => n.received.consensus.length === 0));
    assert.ok(nodes.every((n) => n.network.meshPeers('consensus').length === 0));
    await stopCity(nodes);
  });
});
