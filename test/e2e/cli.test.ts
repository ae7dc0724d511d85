// Ports: 41100–41299 (see testnet.test.ts for the other files' ranges).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NodeClient } from '@v2g/client';
import { waitFor } from '@v2g/testnet';
import { launch, PNPM_V2G, parseJson, pnpmV2g, REPO, V2G_BIN, v2g } from './cliRun.ts';

const HTTP = 41150;
const node = `http://127.0.0.1:${HTTP}`;

/**
 * Issue 11, "a CLI that does not bite", as a station operator and an EV owner
 * meet it: run from their own directory (not the repository), through
 * `pnpm v2g` and through bin/v2g, against a one-LEAG network.
 */
describe('the v2g CLI run from a directory of its own', { timeout: 240_000 }, () => {
  let cwd: string;
  let daemon: ReturnType<typeof launch> | null = null;

  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'v2g-cli-'));
  });

  after(async () => {
    if (daemon?.pid && daemon.exitCode === null) {
      try {
        process.kill(-daemon.pid, 'SIGKILL');
      } catch {
        // The group is already gone (ESRCH): nothing left to stop.
      }
    }
    await rm(cwd, { recursive: true, force: true });
  });

  test('`pnpm v2g init` writes where the caller is, with a window a person can trade in, and never over a network', async () => {
    const r = await pnpmV2g(
      cwd,
      'init',
      '--dir',
      'net',
      '--leags',
      '1',
      '--http-port',
      `${HTTP}`,
      '--p2p-port',
      '41100',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(cwd, 'net', 'genesis.json')), 'net/ is relative to the caller');
    assert.ok(!existsSync(join(REPO, 'net')), 'nothing lands in the repository');
    const genesis = await readFile(join(cwd, 'net', 'genesis.json'), 'utf8');
    const windowBlocks = (JSON.parse(genesis) as { params: { market: { windowBlocks: number } } }).params
      .market.windowBlocks;
    assert.equal(windowBlocks, 300, 'a minute of 200 ms blocks');

    const again = await v2g(cwd, 'init', '--dir', 'net', '--leags', '1');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds a network.*--force/);
    assert.equal(await readFile(join(cwd, 'net', 'genesis.json'), 'utf8'), genesis, 'genesis untouched');

    const key = await v2g(cwd, 'keygen', '--out', 'net/ra.key');
    assert.equal(key.code, 1);
    assert.match(key.stderr, /net\/ra\.key exists/);
    const forced = await v2g(cwd, 'keygen', '--out', 'ev.key');
    assert.equal(forced.code, 0);
    assert.equal(
      parseJson<{ file: string }>(forced).file,
      join(cwd, 'ev.key'),
      'keygen says where the key is',
    );
  });

  test('`pnpm v2g start` serves; a second start says the LEAG is already running', async () => {
    daemon = launch(PNPM_V2G[0], [...PNPM_V2G[1], 'start', '--config', 'net/leag-0.json'], cwd);
    const c = new NodeClient(node);
    await waitFor('the LEAG at height 2', 60_000, async () =>
      (await c.head()).height >= 2 ? true : undefined,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; pnpm v2g start said:\n${daemon?.output().slice(-3000)}`);
    });
    const second = await v2g(cwd, 'start', '--config', 'net/leag-0.json');
    assert.equal(second.code, 65);
    assert.match(second.stderr, /a LEAG is already running on .*net\/data\/leag-0 \(pid \d+/);
  });

  test('EV commands take the chain id and the window from the LEAG, and a payout key is written where it says', async () => {
    const c = new NodeClient(node);
    assert.equal((await c.chain()).chainId, 'v2g-local');
    const committed = async (id: string) =>
      waitFor(`${id} committed`, 20_000, async () =>
        (await c.txStatus(id)).status === 'committed' ? true : undefined,
      );
    const ev = await v2g(
      cwd,
      'ev',
      'register',
      '--node',
      node,
      '--ra',
      'net/ra.key',
      '--account',
      'ev.key',
      '--leag',
      'leag-0',
    );
    assert.equal(ev.code, 0, ev.stderr);
    await committed(parseJson<{ id: string }>(ev).id);
    const { window } = await c.marketCurrent();
    for (const w of [window, window + 1]) {
      const t = await v2g(
        cwd,
        'grid',
        'tariff',
        '--node',
        node,
        '--grid-key',
        'net/grid.key',
        '--window',
        `${w}`,
        '--retail',
        '300',
        '--feed-in',
        '100',
      );
      assert.equal(t.code, 0, t.stderr);
      await committed(parseJson<{ id: string }>(t).id);
    }
    const address = parseJson<{ walletAddress: string }>(
      await v2g(cwd, 'keygen', '--out', 'wallet.key'),
    ).walletAddress;
    // With 300-block windows, the old default of 10 named window 30 at height 300: `window-closed`.
    const dep = await v2g(
      cwd,
      'ev',
      'deposit',
      '--node',
      node,
      '--leag-key',
      'net/leag-0.key',
      '--to',
      address,
      '--amount',
      '5000',
      '--reference',
      '1',
    );
    assert.equal(dep.code, 0, dep.stderr);
    assert.equal(parseJson<{ window: number }>(dep).window, (await c.marketCurrent()).window);

    const sell = await v2g(
      cwd,
      'ev',
      'sell',
      '--node',
      node,
      '--account',
      'ev.key',
      '--energy',
      '1000',
      '--expected',
      '250',
      '--min',
      '150',
    );
    assert.equal(sell.code, 0, sell.stderr);
    const out = parseJson<{ accepted: boolean; payoutKeyFile: string }>(sell);
    assert.equal(out.accepted, true);
    assert.ok(out.payoutKeyFile.startsWith(join(cwd, 'wallets')), `payout key in ${out.payoutKeyFile}`);
    assert.ok(existsSync(out.payoutKeyFile));
    assert.match(sell.stderr, new RegExp(`wrote the payout wallet key to ${out.payoutKeyFile}`));

    const wrongChain = await v2g(
      cwd,
      'ev',
      'register',
      '--node',
      node,
      '--chain-id',
      'other',
      '--ra',
      'net/ra.key',
      '--account',
      'wallet.key',
      '--leag',
      'leag-0',
    );
    assert.equal(wrongChain.code, 1);
    assert.match(wrongChain.stderr, /--chain-id other, but the LEAG .* serves chain v2g-local/);
  });

  test('`v2g ev balance` adds up the wallets in the keys dir', async () => {
    const r = await v2g(cwd, 'ev', 'balance', '--node', node, 'wallet.key');
    assert.equal(r.code, 0, r.stderr);
    const out = parseJson<{ wallets: { file: string; balance: number }[]; total: number }>(r);
    assert.ok(
      out.wallets.some((w) => w.file.includes(`${join(cwd, 'wallets')}/payout-`)),
      'the payout wallet is counted',
    );
    assert.equal(out.total, 5000, 'the deposit, in wallet.key');
  });

  test('a new station joins: registered by the RA, bootstrapped from leag-0 by its peer id, it syncs the chain', async () => {
    const c = new NodeClient(node);
    const key = parseJson<{ publicKey: string }>(await v2g(cwd, 'keygen', '--out', 'station.key')).publicKey;
    const reg = await v2g(
      cwd,
      'leag',
      'register',
      '--node',
      node,
      '--ra',
      'net/ra.key',
      '--leag-key',
      'station.key',
    );
    assert.equal(reg.code, 0, reg.stderr);
    const id = parseJson<{ id: string }>(reg).id;
    await waitFor('the registration', 20_000, async () =>
      (await c.txStatus(id)).status === 'committed' ? true : undefined,
    );
    const leag0 = (await c.chain()).leags[0]!;
    await writeFile(
      join(cwd, 'station.jsonc'),
      `// written by hand, as configs/leag.minimal.json shows\n${JSON.stringify({
        name: 'station',
        dataDir: 'data/station',
        keyFile: 'station.key',
        genesisFile: 'net/genesis.json',
        listen: '/ip4/127.0.0.1/tcp/41101',
        httpPort: HTTP + 1,
        bootstrap: [`/ip4/127.0.0.1/tcp/41100/p2p/${leag0.peerId}`],
        logLevel: 'warn',
      })}\n`,
    );
    const check = await v2g(cwd, 'config', 'check', 'station.jsonc');
    assert.equal(check.code, 0, check.stderr);
    const station = launch(V2G_BIN, ['start', '--config', 'station.jsonc'], cwd);
    try {
      const s = new NodeClient(`http://127.0.0.1:${HTTP + 1}`);
      const target = (await c.head()).height;
      await waitFor('the new station to sync', 60_000, async () =>
        (await s.head()).height >= target ? true : undefined,
      );
      assert.equal((await s.account(key)).role, 'leag', 'it knows itself as a registered LEAG');
      const stop = await v2g(cwd, 'stop', '--config', 'station.jsonc');
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, /stopped the LEAG on .*data\/station \(pid \d+\)/);
      assert.equal(station.exitCode ?? (await new Promise((r) => station.once('exit', r))), 0);
      assert.match((await v2g(cwd, 'stop', '--config', 'station.jsonc')).stdout, /no LEAG is running/);
    } finally {
      if (station.exitCode === null) process.kill(-station.pid!, 'SIGKILL');
    }
  });

  test('`v2g status` against a LEAG that is not there names the URL', async () => {
    const r = await v2g(cwd, 'status', '--node', 'http://127.0.0.1:41299');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the LEAG API at http:\/\/127\.0\.0\.1:41299 \(ECONNREFUSED\)/);
  });

  test('SIGTERM to the npx process that ran `pnpm v2g start` stops the LEAG', async () => {
    assert.ok(daemon?.pid);
    const exited = new Promise<void>((resolve) => daemon!.once('exit', () => resolve()));
    process.kill(daemon.pid, 'SIGTERM');
    await exited;
    await waitFor('the LEAG to stop', 15_000, async () =>
      fetch(`${node}/v1/head`).then(
        () => undefined,
        () => true,
      ),
    );
    await waitFor('the data directory to be free', 15_000, async () => {
      const r = await v2g(cwd, 'store', 'check', '--config', 'net/leag-0.json');
      return r.code === 0 ? true : undefined;
    });
  });
});
