import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateKeyPair, type KeyPair } from '@v2g/core';
import { gossipsubTuning, NetworkError, type P2pOptions, resolveP2pOptions } from '../src/network/index.ts';
import { eventually, metricValue, sleep, startNode, stopAll, type TestNode } from './networkFixtures.ts';

after(stopAll);

const FAST_DISCOVERY: Partial<P2pOptions> = { discoveryIntervalMs: 300 };

const connectedTo = (node: TestNode, other: TestNode): boolean =>
  node.network.connectedPeers().some((p) => p.equals(other.network.peerId));

describe('peer discovery', () => {
  it('connects every LEAG to every other when each was given a single bootstrap address', async () => {
    const keys = Array.from({ length: 5 }, () => generateKeyPair());
    const nodes: TestNode[] = [];
    // A chain: node i knows only node i − 1, so most pairs can meet only through discovery.
    for (const keyPair of keys) {
      const previous = nodes.at(-1);
      const bootstrap = previous === undefined ? [] : [previous.network.multiaddrs()[0]!];
      nodes.push(await startNode({ keyPair, leags: keys, options: { bootstrap, p2p: FAST_DISCOVERY } }));
    }
    await eventually(
      () => nodes.every((n) => n.network.connectedPeers().length === keys.length - 1),
      15_000,
      'a full mesh of connections',
    );
    await Promise.all(nodes.map((n) => n.network.waitForTopicPeers('consensus', keys.length - 1, 10_000)));
    // Four pairs were linked by bootstrap; the other six of the ten met through discovery, dialled
    // by whichever side learned of the other first (not necessarily the last LEAG).
    let discovered = 0;
    for (const n of nodes)
      discovered += await metricValue(n.registry, 'v2g_discovery_dials_total', { result: 'ok' });
    assert.ok(discovered >= 6, `${discovered} discovery dials for 6 pairs`);
    assert.ok((await metricValue(nodes[0]!.registry, 'v2g_discovery_served_total')) >= 1);
  });

  it('never dials a learned address whose key is not a registered LEAG', async () => {
    const [a, b, x] = [generateKeyPair(), generateKeyPair(), generateKeyPair()] as [
      KeyPair,
      KeyPair,
      KeyPair,
    ];
    // b also admits x; a does not know x as a LEAG.
    const hub = await startNode({ keyPair: b, leags: [a, x], options: { p2p: FAST_DISCOVERY } });
    const outsider = await startNode({
      keyPair: x,
      leags: [b],
      options: { bootstrap: [hub.network.multiaddrs()[0]!] },
    });
    await eventually(() => connectedTo(hub, outsider), 5_000, 'hub connected to x');
    const asker = await startNode({
      keyPair: a,
      leags: [b],
      options: { bootstrap: [hub.network.multiaddrs()[0]!], p2p: FAST_DISCOVERY },
    });
    await eventually(
      async () => (await metricValue(asker.registry, 'v2g_discovery_requests_total', { result: 'ok' })) >= 2,
      10_000,
      'a asked b twice',
    );
    assert.equal(connectedTo(asker, outsider), false);
    assert.equal(await metricValue(asker.registry, 'v2g_discovery_known_leags'), 0);
    assert.equal(
      await metricValue(asker.registry, 'v2g_network_gater_denied_total'),
      0,
      'filtered before dialling',
    );
  });

  it('stops at targetPeers, but dials committee members beyond it', async () => {
    const keys = Array.from({ length: 4 }, () => generateKeyPair());
    const hub = await startNode({ keyPair: keys[0]!, leags: keys, options: { p2p: FAST_DISCOVERY } });
    const bootstrap = [hub.network.multiaddrs()[0]!];
    const c = await startNode({
      keyPair: keys[2]!,
      leags: keys,
      options: { bootstrap, p2p: { targetPeers: 1 } },
    });
    const d = await startNode({
      keyPair: keys[3]!,
      leags: keys,
      options: { bootstrap, p2p: { targetPeers: 1 } },
    });
    await eventually(() => connectedTo(hub, c) && connectedTo(hub, d), 5_000, 'c and d on the hub');
    const a = await startNode({
      keyPair: keys[1]!,
      leags: keys,
      options: { bootstrap, p2p: { ...FAST_DISCOVERY, targetPeers: 1 } },
    });
    await eventually(
      async () => (await metricValue(a.registry, 'v2g_discovery_known_leags')) === 2,
      10_000,
      'a learns c and d',
    );
    await sleep(600); // two more rounds: still nothing dialled, a has its one peer
    assert.deepEqual(
      a.network.connectedPeers().map((p) => p.toString()),
      [hub.network.peerId.toString()],
    );

    a.network.setCommittee([keys[1]!.publicKey, keys[2]!.publicKey]);
    await eventually(() => connectedTo(a, c), 5_000, 'a dials its committee peer c');
    await sleep(600);
    assert.equal(connectedTo(a, d), false, 'd is neither needed nor in the committee');
  });

  it('redials a lost committee peer with back-off, not every millisecond', async () => {
    // libp2p 2.9 handed p-retry `undefined` for the interval and factor: NaN timers, retried at once.
    const warnings: string[] = [];
    const onWarning = (w: Error) => {
      if (w.name === 'TimeoutNaNWarning') warnings.push(w.stack ?? w.message);
    };
    process.on('warning', onWarning);
    try {
      const [a, b] = [generateKeyPair(), generateKeyPair()] as [KeyPair, KeyPair];
      const far = await startNode({ keyPair: b, leags: [a] });
      const near = await startNode({
        keyPair: a,
        leags: [b],
        options: { bootstrap: [far.network.multiaddrs()[0]!] },
      });
      await near.network.setCommittee([b.publicKey]);
      await eventually(() => connectedTo(near, far), 5_000, 'the committee peer connected');
      await far.network.stop();
      await sleep(1_500); // the first redial and its failure, with the next one scheduled
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('p2p options', () => {
  it('turns IP colocation scoring off by default and keeps the library thresholds otherwise', () => {
    const tuning = gossipsubTuning(resolveP2pOptions(), ['/v2g/x/consensus/1']);
    assert.equal(tuning.scoreParams.IPColocationFactorWeight, 0);
    assert.equal(tuning.scoreParams.topics?.['/v2g/x/consensus/1']?.meshMessageDeliveriesWeight, 0);
    assert.equal(tuning.scoreThresholds.graylistThreshold, -80);
    assert.ok(tuning.Dout < tuning.Dlo && tuning.Dout <= tuning.D / 2);
  });

  it('refuses mesh degrees out of order and a graylist above the publish threshold', () => {
    const refused = (overrides: Partial<P2pOptions>, field: string) =>
      assert.throws(
        () => resolveP2pOptions(overrides),
        (err: unknown) =>
          err instanceof NetworkError && err.type.code === 'bad-p2p-options' && err.type.field === field,
      );
    refused({ meshDlo: 9, meshD: 8 }, 'meshD');
    refused({ graylistThreshold: -10 }, 'graylistThreshold');
    refused({ targetPeers: 500 }, 'targetPeers');
    refused({ maxConnections: 0 }, 'maxConnections');
  });
});
