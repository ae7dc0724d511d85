import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultNodeLimits, loadConfig } from '../src/config/config.ts';
import { initNetwork } from '../src/config/initNetwork.ts';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'v2g-config-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A config as `v2g init` wrote them before the limits existed. */
const older = {
  name: 'leag-0',
  dataDir: 'data/leag-0',
  keyFile: 'leag-0.key',
  genesisFile: 'genesis.json',
  listen: '/ip4/127.0.0.1/tcp/7100',
  bootstrap: [],
  httpHost: '127.0.0.1',
  httpPort: 8100,
  logLevel: 'info',
  mempoolMaxTxs: 10000,
  mempoolMaxBytes: 67108864,
  minPeers: 1,
};

async function load(body: unknown) {
  const path = join(dir, 'leag.json');
  await writeFile(path, JSON.stringify(body));
  return loadConfig(path);
}

test('a config written before the limits existed still loads, with the documented defaults', async () => {
  const cfg = await load(older);
  assert.equal(cfg.apiMaxStreams, 256);
  assert.equal(cfg.apiRatePerSecond, 200);
  assert.equal(cfg.healthStallBlocks, 10);
  assert.equal(cfg.memoryCeilingMb, 1024);
  assert.equal(cfg.dataDir, join(dir, 'data/leag-0'));
});

test('a limit given in the file replaces its default; 0 and unknown fields are refused', async () => {
  assert.equal((await load({ ...older, apiMaxStreamsPerClient: 2 })).apiMaxStreamsPerClient, 2);
  await assert.rejects(load({ ...older, apiRateBurst: 0 }), /at least 1/);
  await assert.rejects(load({ ...older, apiMaxStream: 5 }), /unknown field/);
  await assert.rejects(load({ ...older, apiMaxStreams: '5' }), /expected uint/);
});

test('v2g init writes every limit into each LEAG config, so the file shows what can be tuned', async () => {
  const net = await initNetwork({
    dir: join(dir, 'net'),
    leags: 1,
    chainId: 'v2g-config-test',
    p2pBasePort: 7100,
    httpBasePort: 8100,
    committeeSize: 0,
    windowBlocks: 10,
    blockIntervalMs: 200,
  });
  const written = JSON.parse(await readFile(net.configPaths[0]!, 'utf8')) as Record<string, unknown>;
  for (const [k, v] of Object.entries(defaultNodeLimits)) assert.equal(written[k], v, k);
});
