#!/usr/bin/env node
/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { resolve } from 'node:path';
import { generateKeyPair, type LeaderPolicy, toHex, walletAddress } from '@v2g/core';
import { Command, InvalidArgumentError } from 'commander';
import { writeKeyFile } from '../config/keyFile.ts';
import { passphraseFromEnv } from '../config/keystore.ts';
import { writeHistory } from '../testnet/historyFiles.ts';
import { formatReport, runTestnet } from '../testnet/run.ts';
import { collectHistory } from '../testnet/windowHistory.ts';
import { clientOf, DEFAULT_NODE, int } from './chainContext.ts';
import { registerConfigCommands } from './configCommands.ts';
import { registerDaemonCommands } from './daemonCommands.ts';
import { registerEvCommands } from './evCommands.ts';
import { initCommand } from './initCommand.ts';
import { registerLeagCommands } from './leagCommands.ts';
import { registerMarketCommands } from './marketCommands.ts';
import { registerStoreCommands } from './storeCommands.ts';

// pnpm runs a script from the repository root; INIT_CWD is the directory the person typed
// `pnpm v2g …` in, and every relative path they give means a path from there.
const script = process.env.npm_lifecycle_event;
if (process.env.INIT_CWD && (script === 'v2g' || script === 'testnet')) process.chdir(process.env.INIT_CWD);

function leaderPolicy(value: string): LeaderPolicy {
  if (value !== 'top' && value !== 'weighted-rotation')
    throw new InvalidArgumentError('top or weighted-rotation');
  return value;
}

function share(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number in [0, 1]');
  return n;
}

const program = new Command('v2g').description(
  'V2G energy-trading chain: LEAG daemon and tools. Relative paths are taken from the directory you run it in.',
);

program
  .command('keygen')
  .description('create an ed25519 key file (LEAG, RA, grid operator, EV account or wallet)')
  .requiredOption('--out <file>', 'where to write the key (mode 0600)')
  .option('--force', 'replace an existing key file (its old key is lost)')
  .option(
    '--encrypt',
    'encrypt the secret key (scrypt + AES-256-GCM) with the passphrase in $V2G_KEY_PASSPHRASE_FILE or $V2G_KEY_PASSPHRASE',
  )
  .action(async (o: { out: string; force?: boolean; encrypt?: boolean }) => {
    const passphrase = o.encrypt ? passphraseFromEnv() : null;
    if (o.encrypt && !passphrase)
      throw new Error('--encrypt: set V2G_KEY_PASSPHRASE_FILE or V2G_KEY_PASSPHRASE');
    const key = generateKeyPair();
    const file = resolve(o.out);
    await writeKeyFile(file, key, { overwrite: o.force === true, passphrase });
    console.log(
      JSON.stringify({
        publicKey: toHex(key.publicKey),
        walletAddress: toHex(walletAddress(key.publicKey)),
        file,
      }),
    );
  });

initCommand(program, leaderPolicy);

registerDaemonCommands(program);
registerStoreCommands(program);
registerConfigCommands(program);
registerLeagCommands(program);

program
  .command('testnet')
  .description('start N LEAG daemons on loopback, drive EV traffic, and report')
  .option('--nodes <n>', 'number of LEAGs', int, 4)
  .option('--evs <n>', 'number of EVs', int, 40)
  .option('--duration <s>', 'seconds of traffic', int, 30)
  .option('--rate <tx/s>', 'offered transfers per second', int, 200)
  .option('--committee <k>', 'committee size (0 = all)', int, 0)
  .option('--window-blocks <n>', 'blocks per market window (short, so a minute spans many)', int, 6)
  .option('--block-interval <ms>', 'target block interval', int, 200)
  .option('--no-market', 'transfers only: no market day')
  .option('--market-evs <n>', 'EVs trading in the market day', int, 24)
  .option(
    '--dishonest <share>',
    'share of market EVs that are dishonest: failing sellers, mixed (fail sales, buy honestly), no-show buyers, in turn (0..1)',
    share,
    0.2,
  )
  .option('--seed <n>', 'seed of the EVs batteries, needs and choices', int, 1)
  .option('--faulty <i>', 'crash LEAG i (SIGKILL) mid-run and restart it', (v) => Number(v), -1)
  .option('--dir <dir>', 'keep the network in this directory')
  .option('--port <port>', 'first libp2p port (HTTP ports start 1000 higher)', int, 17100)
  .option(
    '--hosts <mode>',
    'loopback, or netns: each LEAG in its own network namespace with its own address (needs root, ip, iptables)',
    (v: string) => {
      if (v !== 'loopback' && v !== 'netns') throw new InvalidArgumentError('loopback or netns');
      return v;
    },
    'loopback',
  )
  .option('--latency-ms <ms>', 'with --hosts netns: latency added between every two LEAGs', int, 0)
  .option('--json <file>', 'also write the report as JSON')
  .option(
    '--report-dir <dir>',
    'write the per-window history: CSV, JSON and SVG charts (prices, energy, reputations)',
  )
  .option('--csv <file>', 'write the per-window history as one CSV (Wh, micro-units, ppm)')
  .action(async (o) => {
    const report = await runTestnet(
      {
        nodes: o.nodes,
        evs: o.evs,
        durationSec: o.duration,
        rate: o.rate,
        committee: o.committee,
        windowBlocks: o.windowBlocks,
        blockIntervalMs: o.blockInterval,
        faulty: o.faulty,
        dir: o.dir ? resolve(o.dir) : null,
        keep: Boolean(o.dir),
        json: o.json ? resolve(o.json) : null,
        reportDir: o.reportDir ? resolve(o.reportDir) : null,
        csv: o.csv ? resolve(o.csv) : null,
        basePort: o.port,
        hosts: o.hosts,
        latencyMs: o.latencyMs,
        quiet: false,
        market: o.market ? { evs: o.marketEvs, dishonestShare: o.dishonest, seed: o.seed } : null,
      },
      (line) => console.log(line),
    );
    console.log(formatReport(report));
    process.exitCode = report.agreed ? 0 : 1;
  });

program
  .command('status')
  .description("print a LEAG's health and head")
  .option('--node <url>', 'LEAG API', process.env.V2G_NODE ?? DEFAULT_NODE)
  .action(async (o: { node: string }) => {
    const c = clientOf(o);
    const [health, head, chain] = await Promise.all([c.health(), c.head(), c.chain()]);
    const info = {
      chainId: chain.chainId,
      windowBlocks: chain.windowBlocks,
      blockIntervalMs: chain.blockIntervalMs,
    };
    console.log(JSON.stringify({ node: c.baseUrl, chain: info, health, head }, null, 2));
  });

program
  .command('history')
  .description(
    "a LEAG's market history per window: CSV, JSON and SVG charts (prices, energy, EV reputations)",
  )
  .option('--node <url>', 'LEAG API', process.env.V2G_NODE ?? DEFAULT_NODE)
  .requiredOption(
    '--out <dir>',
    'directory to write windows.csv, stations.csv, reputation.csv, history.json, *.svg',
  )
  .action(async (o: { node: string; out: string }) => {
    const history = await collectHistory(clientOf(o));
    const files = await writeHistory(resolve(o.out), history);
    console.log(`${history.windows.length} windows; wrote ${files.join(', ')}`);
  });

const ev = program.command('ev').description('EV commands, sent to a LEAG API');
registerEvCommands(ev);
registerMarketCommands(program, ev);

await program.parseAsync(process.argv).catch((err: unknown) => {
  // API refusals carry their code (`untrusted: …`); a stack trace would only hide it.
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
