import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  type Block,
  blockHash,
  type CommitCertificate,
  encodeTx,
  fromHex,
  lastCommitHash,
  sha256,
  signTx,
  signVote,
  toHex,
  utf8,
  walletAddress,
} from '@v2g/core';
import {
  ACCEPT,
  type CertifiedBlock,
  createNetwork,
  encodeBlockMessage,
  encodeCertifiedBlock,
  LeagAllowList,
  type Network,
  peerIdFromLeagKey,
} from '@v2g/node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Cluster } from './cluster.ts';

/**
 * Six LEAGs in genesis: 0–3 honest (the committee, k = 4, reputation 0.5),
 * 4 a forger (0.3, outside the committee) run in-process on the real network
 * layer, 5 an honest LEAG that starts late (0.3). This replaces the seed's
 * "longest chain wins" experiment (ch. 4): here a longer chain without valid
 * certificates is simply refused.
 */
describe('a network under attack', { timeout: 240_000 }, () => {
  let cluster: Cluster;
  let forger: Network;
  const ADVERSARY = 4;
  const LATE = 5;
  const FORGED_LENGTH = 60;

  before(async () => {
    cluster = await Cluster.create({
      leags: 6,
      p2pBasePort: 29100,
      httpBasePort: 29200,
      committeeSize: 4,
      windowBlocks: 10,
      blockIntervalMs: 150,
      reputations: [500_000, 500_000, 500_000, 500_000, 300_000, 300_000],
    });
    for (let i = 0; i < 4; i++) cluster.start(i);
    await cluster.waitForHeight(0, 3);
  });

  after(async () => {
    await forger?.stop().catch(() => undefined);
    await cluster?.close();
  });

  /** A chain longer than the honest one, from the honest head, certified by the forger alone. */
  function forgedChain(fromHeight: number, parentHex: string, count: number): CertifiedBlock[] {
    const key = cluster.net.leagKeys[ADVERSARY]!;
    const out: CertifiedBlock[] = [];
    let parent = fromHex(parentHex);
    let lastCommit: CommitCertificate | null = null;
    for (let h = fromHeight; h < fromHeight + count; h++) {
      const block: Block = {
        header: {
          version: 1,
          chainId: cluster.net.genesis.chainId,
          height: h,
          parentHash: parent,
          txRoot: sha256(),
          stateRoot: sha256(utf8(`forged-${h}`)),
          lastCommitHash: lastCommitHash(lastCommit),
          timestamp: Date.now(),
          proposer: key.publicKey,
          round: 0,
        },
        txs: [],
        lastCommit,
      };
      const hash = blockHash(block.header);
      const vote = signVote(
        cluster.net.genesis.chainId,
        { type: 'commit', height: h, round: 0, blockHash: hash },
        key,
      );
      const certificate = {
        height: h,
        round: 0,
        blockHash: hash,
        signatures: [{ voter: vote.voter, signature: vote.signature }],
      };
      out.push({ block, certificate });
      parent = hash;
      lastCommit = certificate;
    }
    return out;
  }

  test('a forged longer chain is refused, garbage gossip is rejected, and blocks keep committing', async () => {
    const head = await cluster.clients[0]!.head();
    const forged = forgedChain(head.height + 1, head.hash, FORGED_LENGTH);
    const bootstrap = cluster.net.leagKeys
      .slice(0, 4)
      .map((k, i) => `/ip4/127.0.0.1/tcp/${29100 + i}/p2p/${peerIdFromLeagKey(k.publicKey).toString()}`);
    forger = await createNetwork(
      {
        logger: pino({ level: 'silent' }),
        registry: new Registry(),
        keyPair: cluster.net.leagKeys[ADVERSARY]!,
        leags: new LeagAllowList(cluster.net.leagKeys.map((k) => k.publicKey)),
        validators: { tx: () => ACCEPT, consensus: () => ACCEPT, block: () => ACCEPT },
        // Serves its forged chain for any range it is asked for.
        blockSource: {
          serveBlocks: async (from) =>
            forged
              .slice(Math.max(0, from - (head.height + 1)), from - head.height + 63)
              .map(encodeCertifiedBlock),
        },
      },
      { chainId: cluster.net.genesis.chainId, listen: ['/ip4/127.0.0.1/tcp/29104'], bootstrap },
    );
    await forger.start();
    await forger.waitForTopicPeers('block', 2, 20_000);

    // The forged block at the next height, over gossip; then garbage on every topic.
    const current = await cluster.height(0);
    // One forged block for each of the next heights, so each honest LEAG meets one at its head + 1.
    const nextBlocks = forgedChain(current + 1, (await cluster.clients[0]!.head()).hash, 10);
    for (const b of nextBlocks) await forger.publish('block', encodeBlockMessage(b));
    const next = nextBlocks[0]!;
    await forger.publish('block', utf8('not a block'));
    await forger.publish('consensus', new Uint8Array([0xff, 0x00, 0x13]));
    const wallet = cluster.net.leagKeys[ADVERSARY]!;
    const badSig = signTx(
      {
        version: 1,
        chainId: cluster.net.genesis.chainId,
        inputs: [{ txId: sha256(utf8('nothing')), index: 0 }],
        outputs: [{ address: walletAddress(wallet.publicKey), amount: 5 }],
        lockTime: 0,
        body: { kind: 'transfer' },
      },
      [wallet],
    );
    const tampered = {
      ...badSig,
      witnesses: [{ ...badSig.witnesses[0]!, signature: new Uint8Array(64).fill(7) }],
    };
    forger.publishTx(encodeTx(tampered));
    forger.flushTxs();

    // The late LEAG joins while the forger is connected and serving its chain.
    cluster.start(LATE);
    const target = (await cluster.height(0)) + 5;
    await cluster.waitForHeight(LATE, target, 90_000);
    await cluster.waitForHeight(0, target);
    for (const i of [1, 2, 3, LATE]) {
      assert.equal(
        await cluster.blockHashAt(i, target),
        await cluster.blockHashAt(0, target),
        `leag-${i} agrees`,
      );
    }

    let refused = 0;
    let gossipRejects = 0;
    for (const i of [0, 1, 2, 3, LATE]) {
      refused += await cluster.metric(
        i,
        /^v2g_blocks_rejected_total\{.*code="(invalid-certificate|malformed)"/,
      );
      gossipRejects += await cluster.metric(i, /^v2g_gossip_messages_validated_total\{.*result="reject"/);
    }
    process.stderr.write(
      `late sync refusals ${await cluster.metric(LATE, /^v2g_blocks_rejected_total\{.*source="sync"/)}\n`,
    );
    assert.ok(refused >= 1, 'forged and malformed blocks are counted as refused');
    assert.ok(gossipRejects >= 3, `garbage gossip is rejected (${gossipRejects})`);
    assert.ok((await cluster.height(0)) >= target, 'the honest chain keeps committing');
    const forgedHash = toHex(blockHash(next.block.header));
    for (const i of [0, LATE]) {
      assert.notEqual(await cluster.blockHashAt(i, current + 1), forgedHash, 'no LEAG took the forged block');
    }
  });

  test('HTTP garbage gets a 4xx with an error code, and is counted', async () => {
    const c = cluster.clients[1]!;
    const post = (body: string, type = 'application/json') =>
      fetch(`${c.baseUrl}/v1/txs`, { method: 'POST', headers: { 'content-type': type }, body });
    const cases: [Response, number, string][] = [
      [await post('{not json'), 400, 'invalid-request'],
      [await post(JSON.stringify({ tx: 'zz' })), 400, 'invalid-request'],
      [await post(JSON.stringify({ tx: 'a1ff00' })), 400, 'malformed'],
      [await fetch(`${c.baseUrl}/v1/blocks/not-a-ref`), 400, 'invalid-request'],
      [await fetch(`${c.baseUrl}/v1/txs/${'00'.repeat(32)}`), 404, 'not-found'],
      [await fetch(`${c.baseUrl}/v1/nowhere`), 404, 'not-found'],
    ];
    // An oversized body is refused from its declared length, before it is read.
    const oversized = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${c.baseUrl}/v1/txs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(8 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('{"tx":"');
    });
    assert.equal(oversized.status, 413);
    assert.equal((JSON.parse(oversized.body) as { error: { code: string } }).error.code, 'payload-too-large');
    for (const [res, status, code] of cases) {
      assert.equal(res.status, status, `${res.url} → ${res.status}`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, code);
      assert.ok(body.error.message.length > 0);
    }
    const wallet = cluster.net.leagKeys[0]!;
    const tx = signTx(
      {
        version: 1,
        chainId: cluster.net.genesis.chainId,
        inputs: [{ txId: sha256(utf8('x')), index: 0 }],
        outputs: [{ address: walletAddress(wallet.publicKey), amount: 1 }],
        lockTime: 0,
        body: { kind: 'transfer' },
      },
      [wallet],
    );
    const bad = { ...tx, witnesses: [{ ...tx.witnesses[0]!, signature: new Uint8Array(64).fill(1) }] };
    const res = await post(JSON.stringify({ tx: toHex(encodeTx(bad)) }));
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'bad-signature');
    assert.ok((await cluster.metric(1, /^v2g_txs_rejected_total\{.*code="bad-signature"/)) >= 1);
    assert.ok((await cluster.metric(1, /^v2g_http_requests_total\{.*status="4\d\d"/)) >= 8);
    const before = await cluster.height(1);
    await cluster.waitForHeight(1, before + 2);
  });
});
