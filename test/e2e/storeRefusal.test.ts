// Ports: 38300–38499 (see testnet.test.ts for the other files' ranges).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, readdir, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_PATH, STORE_EXIT_CODE } from '@v2g/node';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '@v2g/testnet';
import { withRawStore } from '../../packages/node/test/storeFixture.ts';
import { Cluster } from './cluster.ts';

/** Runs the CLI to its end: exit code and everything it printed. */
function cli(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI_PATH, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...DAEMON_ENV },
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`v2g ${args.join(' ')} still running after ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Issue 13: with LevelDB's CURRENT deleted, a LEAG opened its directory as a
 * new database (deleting the old files), claimed its old height and said
 * `ok` for good. Now a damaged store, or one whose state does not match its
 * state root, makes `v2g start` refuse with a message and exit code 65; and
 * the documented recovery (move the directory away, start clean) re-syncs.
 * Four LEAGs, so the other three keep committing while leag-3 is down.
 */
describe('a LEAG whose stored chain is damaged', { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let dataDir: string;
  let pristine: string;
  let config: string;

  before(async () => {
    cluster = await Cluster.create({
      leags: 4,
      p2pBasePort: 38300,
      httpBasePort: 38400,
      blockIntervalMs: 200,
      windowBlocks: 10,
      committeeSize: 0,
    });
    for (let i = 0; i < 4; i++) cluster.start(i);
    await cluster.waitForHeight(3, 5);
    await cluster.stop(3);
    config = cluster.net.configPaths[3]!;
    dataDir = join(cluster.dir, 'data', 'leag-3');
    pristine = join(cluster.dir, 'leag-3-pristine');
    await cp(dataDir, pristine, { recursive: true });
  });

  after(async () => {
    await cluster?.close();
  });

  async function restorePristine(): Promise<void> {
    await rm(dataDir, { recursive: true, force: true });
    await cp(pristine, dataDir, { recursive: true });
  }

  test('refuses to start when LevelDB’s CURRENT file is gone, and leaves every file in place', async () => {
    await unlink(join(dataDir, 'CURRENT'));
    const files = (await readdir(dataDir)).sort();
    const r = await cli(['start', '--config', config]);
    assert.equal(r.code, STORE_EXIT_CODE, r.output.slice(-2000));
    assert.match(r.output, /the chain store failed its checks \(not-a-store\)/);
    assert.match(r.output, /CURRENT file is missing/);
    assert.match(r.output, /re-syncs the chain from its peers/);
    assert.deepEqual((await readdir(dataDir)).sort(), files, 'no database was created over the old one');
  });

  test('refuses to start when the stored state root is wrong, and `v2g store check` says why', async () => {
    await restorePristine();
    await withRawStore(dataDir, (b) => b.meta.put('digest', new Uint8Array(32).fill(0xab)));

    const r = await cli(['start', '--config', config]);
    assert.equal(r.code, STORE_EXIT_CODE, r.output.slice(-2000));
    assert.match(r.output, /\(state-corrupt\): the stored state root abab/);

    const check = await cli(['store', 'check', '--config', config]);
    assert.equal(check.code, STORE_EXIT_CODE);
    const line = JSON.parse(check.output.split('\n')[0]!) as { ok: boolean; code: string };
    assert.deepEqual([line.ok, line.code], [false, 'state-corrupt']);
  });

  test('`v2g store check` passes an intact store, and the documented recovery re-syncs a clean directory', async () => {
    await restorePristine();
    const check = await cli(['store', 'check', '--config', config]);
    assert.equal(check.code, 0, check.output);
    const summary = JSON.parse(check.output) as { ok: boolean; height: number };
    assert.equal(summary.ok, true);
    assert.ok(summary.height >= 5);

    // Recovery as the README describes it: move the directory away, start with an empty one.
    await rename(dataDir, `${dataDir}.damaged`);
    const target = (await cluster.height(0)) + 2;
    cluster.start(3);
    await cluster.waitForHeight(3, target, 60_000);
    assert.equal(await cluster.blockHashAt(3, target), await cluster.blockHashAt(0, target));
  });
});
