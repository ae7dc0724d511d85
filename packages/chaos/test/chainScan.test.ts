import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { scanChain } from '../src/chainScan.ts';

/** A LEAG's API serving `blocks` (height → hash, certificate hash, last commit hash). */
async function serve(blocks: { hash: string; cert: string; lastCommit: string | null }[]) {
  const server = createServer((req, res) => {
    const url = req.url ?? '';
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
});
