import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import { generateKeyPair } from '@v2g/core';
import { gossipTopic, leagKeyFromPeerId, peerIdFromLeagKey } from '../src/network/index.ts';
import {
  CHAIN_ID,
  eventually,
  metricValue,
  sleep,
  startNode,
  startRawPeer,
  stopAll,
} from './networkFixtures.ts';

after(stopAll);

describe('LEAG identity', () => {
  it('derives the peer id from the LEAG key and back', async () => {
    const key = generateKeyPair();
    const node = await startNode({ keyPair: key });
    assert.equal(node.network.peerId.toString(), peerIdFromLeagKey(key.publicKey).toString());
    assert.deepEqual(leagKeyFromPeerId(node.network.peerId), key.publicKey);
    assert.deepEqual(leagKeyFromPeerId(node.network.peerId.toString()), key.publicKey);
    assert.equal(leagKeyFromPeerId('not a peer id'), null);
  });
});

describe('connection gater', () => {
  it('refuses a peer that is not a registered LEAG, which therefore cannot gossip', async () => {
    const leag = await startNode();
    const outsider = await startRawPeer();
    const topic = gossipTopic(CHAIN_ID, 'consensus');
    outsider.services.pubsub.subscribe(topic);

    // The outsider may finish its side of the handshake; the LEAG closes the connection as soon as noise names the peer.
    await outsider.dial(multiaddr(leag.network.multiaddrs()[0]!)).catch(() => undefined);
    await eventually(
      async () =>
        (await metricValue(leag.registry, 'v2g_network_gater_denied_total', { stage: 'inbound' })) === 1,
      5_000,
      'inbound refusal',
    );
    await eventually(() => outsider.getConnections().length === 0, 5_000, 'outsider disconnected');
    await outsider.services.pubsub.publish(topic, new Uint8Array([1]));
    await sleep(300);

    assert.equal(leag.network.connectedPeers().length, 0);
    assert.equal(outsider.services.pubsub.getSubscribers(topic).length, 0);
    assert.equal(leag.validated.consensus.length, 0);
  });

  it('does not dial a bootstrap peer that is not a LEAG', async () => {
    const outsider = await startRawPeer();
    const addr = outsider.getMultiaddrs()[0]!.toString();
    const leag = await startNode({
      options: { bootstrap: [addr], redial: { minDelayMs: 50, maxDelayMs: 100 } },
    });
    await eventually(
      async () =>
        (await metricValue(leag.registry, 'v2g_network_bootstrap_dials_total', { result: 'error' })) >= 2,
      5_000,
      'refused dials',
    );
    assert.ok((await metricValue(leag.registry, 'v2g_network_gater_denied_total', { stage: 'dial' })) >= 2);
    assert.equal(leag.network.connectedPeers().length, 0);
    assert.equal(outsider.getConnections().length, 0);
  });

  it('admits a peer once the daemon registers it as a LEAG, and drops it when it leaves', async () => {
    const joinerKey = generateKeyPair();
    const leag = await startNode();
    const joiner = await startNode({
      keyPair: joinerKey,
      leags: [leag.keyPair],
      options: { bootstrap: [leag.network.multiaddrs()[0]!], redial: { minDelayMs: 50, maxDelayMs: 200 } },
    });
    await sleep(300);
    assert.equal(leag.network.connectedPeers().length, 0);

    leag.allow.add(joinerKey.publicKey);
    await eventually(
      () => leag.network.connectedPeers().length === 1,
      5_000,
      'joiner admitted after registration',
    );

    leag.allow.remove(joinerKey.publicKey);
    await leag.network.enforceAllowList();
    await eventually(() => joiner.network.connectedPeers().length === 0, 5_000, 'joiner disconnected');
    await sleep(500);
    assert.equal(leag.network.connectedPeers().length, 0, 'redials keep being refused');
  });
});

describe('bootstrap redial', () => {
  it('re-dials a bootstrap LEAG that went away and came back on the same address', async () => {
    const keys = [generateKeyPair(), generateKeyPair()] as const;
    const first = await startNode({ keyPair: keys[0], leags: keys });
    const addr = first.network.multiaddrs()[0]!;
    const port = multiaddr(addr).toOptions().port;
    const follower = await startNode({
      keyPair: keys[1],
      leags: keys,
      options: { bootstrap: [addr], redial: { minDelayMs: 100, maxDelayMs: 400 } },
    });
    await eventually(() => follower.network.connectedPeers().length === 1, 5_000, 'initial dial');

    await first.network.stop();
    await eventually(() => follower.network.connectedPeers().length === 0, 5_000, 'loss noticed');
    await sleep(600); // a few failed redials while the peer is down
    const restarted = await startNode({
      keyPair: keys[0],
      leags: keys,
      options: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
    });
    await eventually(() => follower.network.connectedPeers().length === 1, 5_000, 'redialled');
    await follower.network.waitForTopicPeers('consensus', 1, 5_000);
    assert.equal(restarted.network.connectedPeers()[0]?.toString(), follower.network.peerId.toString());
    assert.ok(
      (await metricValue(follower.registry, 'v2g_network_bootstrap_dials_total', { result: 'error' })) >= 1,
    );
    assert.ok(
      (await metricValue(follower.registry, 'v2g_network_bootstrap_dials_total', { result: 'ok' })) >= 2,
    );
  });
});
