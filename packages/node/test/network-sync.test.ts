import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateKeyPair } from '@v2g/core';
import { NetworkError, syncProtocol } from '../src/network/index.ts';
import { CHAIN_ID, eventually, metricValue, startNode, stopAll, type TestNode } from './networkFixtures.ts';

after(stopAll);

const HEAD = 1000;
const BLOCK_BYTES = 10 * 1024;

/** A fake chain: block h is BLOCK_BYTES bytes starting with its height. */
function fakeBlock(height: number): Uint8Array {
  const b = new Uint8Array(BLOCK_BYTES).fill(height % 251);
  new DataView(b.buffer).setUint32(0, height);
  return b;
}

function heightOf(block: Uint8Array): number {
  return new DataView(block.buffer, block.byteOffset).getUint32(0);
}

async function serveFakeChain(from: number, to: number): Promise<Uint8Array[]> {
  const blocks: Uint8Array[] = [];
  for (let h = from; h <= Math.min(to, HEAD); h++) blocks.push(fakeBlock(h));
  return blocks;
}

async function pair(serveBlocks: (from: number, to: number) => Promise<Uint8Array[]>, timeoutMs = 10_000) {
  const keys = [generateKeyPair(), generateKeyPair()] as const;
  const server = await startNode({ keyPair: keys[0], leags: keys, blockSource: { serveBlocks } });
  const client = await startNode({
    keyPair: keys[1],
    leags: keys,
    options: { bootstrap: [server.network.multiaddrs()[0]!], sync: { timeoutMs } },
  });
  await eventually(() => client.network.connectedPeers().length === 1, 5_000, 'connected');
  return { server, client };
}

function isCode(code: string) {
  return (err: unknown) => err instanceof NetworkError && err.code === code;
}

describe('block sync', () => {
  let server: TestNode;
  let client: TestNode;

  it('returns exactly the requested range', async () => {
    ({ server, client } = await pair(serveFakeChain));
    const blocks = await client.network.requestBlocks(server.network.peerId, 10, 19);
    assert.deepEqual(
      blocks.map(heightOf),
      Array.from({ length: 10 }, (_, i) => 10 + i),
    );
    assert.deepEqual(blocks[3], fakeBlock(13));
    assert.equal(syncProtocol(CHAIN_ID), '/v2g/testnet-1/sync/1');
  });

  it('bounds a large request by count and bytes, and the client resumes from where it stopped', async () => {
    const first = await client.network.requestBlocks(server.network.peerId, 1, HEAD);
    // 4 MiB budget / 10 KiB blocks: 409 blocks, below the 512-block cap.
    assert.equal(first.length, Math.floor((4 * 1024 * 1024) / BLOCK_BYTES));
    assert.deepEqual(
      first.map(heightOf),
      Array.from({ length: first.length }, (_, i) => 1 + i),
    );
    let next = first.length + 1;
    let rounds = 1;
    while (next <= HEAD && rounds < 10) {
      const more = await client.network.requestBlocks(server.network.peerId, next, HEAD);
      assert.equal(heightOf(more[0]!), next);
      next += more.length;
      rounds++;
    }
    assert.equal(next, HEAD + 1);
    assert.equal(rounds, 3);
  });

  it('returns an empty list past the server head', async () => {
    assert.deepEqual(await client.network.requestBlocks(server.network.peerId, HEAD + 1, HEAD + 50), []);
    assert.ok((await metricValue(server.registry, 'v2g_sync_requests_served_total', { result: 'ok' })) >= 5);
    assert.ok((await metricValue(server.registry, 'v2g_sync_blocks_served_total')) >= HEAD);
  });

  it('refuses a reversed range before touching the network', async () => {
    await assert.rejects(
      client.network.requestBlocks(server.network.peerId, 20, 10),
      isCode('bad-sync-range'),
    );
  });

  it('reports a failing block source as a refusal', async () => {
    const { server: s, client: c } = await pair(async () => {
      throw new Error('disk gone');
    });
    await assert.rejects(c.network.requestBlocks(s.network.peerId, 1, 5), isCode('sync-refused'));
    assert.equal(
      await metricValue(s.registry, 'v2g_sync_requests_served_total', { result: 'unavailable' }),
      1,
    );
  });

  it('times out on a server that never answers', async () => {
    const { server: s, client: c } = await pair(() => new Promise<Uint8Array[]>(() => {}), 500);
    const started = Date.now();
    await assert.rejects(c.network.requestBlocks(s.network.peerId, 1, 5), isCode('sync-timeout'));
    assert.ok(Date.now() - started < 2_000);
    assert.equal(
      await metricValue(c.registry, 'v2g_sync_requests_sent_total', { result: 'sync-timeout' }),
      1,
    );
  });

  it('sends one oversized block on its own rather than nothing', async () => {
    const big = new Uint8Array(5 * 1024 * 1024).fill(1);
    const { server: s, client: c } = await pair(async () => [big, big]);
    const blocks = await c.network.requestBlocks(s.network.peerId, 1, 2);
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0]!.length, big.length);
  });
});
