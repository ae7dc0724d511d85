import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { scanChain } from '../src/chainScan.ts';

/** A LEAG's API serving `blocks` (height → hash, certificate hash, last commit hash). */
async function serve(blocks: { hash: string; cert: string; lastCommit: string | null }[], limitEvery = 0) {
  let served = 0;
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    // Like a LEAG's per-client limit: every `limitEvery`-th request is refused with 429 and a Retry-After.
    if (limitEvery > 0 && ++served % limitEvery === 0) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0.05' });
      res.end(JSON.stringify({ error: { code: 'rate-limited', message: 'slow down' } }));
      return;
    }
    let body: unknown = null;
    if (url === '/v1/head') body = { height: blocks.length, hash: blocks.at(-1)!.hash };
    const m = /^\/v1\/blocks\/([0-9]+)$/.exec(url);
    if (m) {
      const h = Number(m[1]);
      const b = blocks[h - 1]!;
      const cert = (height: number, blockHash: string) => ({ height, round: 0, blockHash, signatures: [] });
      body = {
        hash: b.hash,
        block: {
          header: { height: h, proposer: 'p', round: 0 },
          txs: [],
          lastCommit: b.lastCommit === null ? null : cert(h - 1, b.lastCommit),
        },
        certificate: cert(h, b.cert),
      };
    }
    res.writeHead(body === null ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: { code: 'not-found' } }));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('chain scan', () => {
  test('a block that is not the one its certificate or the next last commit signs is reported', async () => {
    const api = await serve([
      { hash: 'a', cert: 'a', lastCommit: null },
      // A forged block 2: its own certificate still names the real hash b.
      { hash: 'x', cert: 'b', lastCommit: 'a' },
      { hash: 'c', cert: 'c', lastCommit: 'b' },
      { hash: 'd', cert: 'd', lastCommit: 'c' },
    ]);
    try {
      const chain = await scanChain(0, api.url);
      assert.deepEqual(chain?.hashes, ['', 'a', 'x', 'c', 'd']);
      assert.deepEqual(chain?.uncertified, [2]);
      assert.deepEqual(chain?.missing, []);
    } finally {
      api.close();
    }
  });

  test('a LEAG that refuses reads with 429 is read after its Retry-After, not reported missing blocks', async () => {
    const blocks = Array.from({ length: 40 }, (_, i) => ({
      hash: `h${i + 1}`,
      cert: `h${i + 1}`,
      lastCommit: i === 0 ? null : `h${i}`,
    }));
    const api = await serve(blocks, 2);
    try {
      const chain = await scanChain(0, api.url);
      assert.deepEqual(chain?.missing, []);
      assert.deepEqual(
        chain?.hashes.slice(1),
        blocks.map((b) => b.hash),
      );
    } finally {
      api.close();
    }
  });
});
