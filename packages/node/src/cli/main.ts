#!/usr/bin/env node
/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { resolve } from 'node:path';
import { fromHex, generateKeyPair, type LeaderPolicy, type Outpoint, toHex, walletAddress } from '@v2g/core';
import { Command, InvalidArgumentError } from 'commander';
import { NodeClient } from '../client/nodeClient.ts';
import { depositTx, registerEvTx, transferTx } from '../client/txBuilders.ts';
import { initNetwork } from '../config/initNetwork.ts';
import { readKeyFile, writeKeyFile } from '../config/keyFile.ts';
import { ChainStoreError } from '../storage/chainStoreError.ts';
import { formatReport, runTestnet } from '../testnet/run.ts';
import { registerMarketCommands } from './marketCommands.ts';
import { registerStoreCommands, reportStoreError } from './storeCommands.ts';

function leaderPolicy(value: string): LeaderPolicy {
  if (value !== 'top' && value !== 'weighted-rotation')
    throw new InvalidArgumentError('top or weighted-rotation');
  return value;
}

function int(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number in [0, 1]');
  return n;
}

const program = new Command('v2g').description('V2G energy-trading chain: LEAG daemon and tools');

program
  .command('keygen')
  .description('create an ed25519 key file (LEAG, RA, grid operator, EV account or wallet)')
  .requiredOption('--out <file>', 'where to write the key (mode 0600)')
  .action(async (o: { out: string }) => {
    const key = generateKeyPair();
    await writeKeyFile(o.out, key);
    console.log(
      JSON.stringify({ publicKey: toHex(key.publicKey), walletAddress: toHex(walletAddress(key.publicKey)) }),
    );
  });

program
  .command('init')
  .description('create keys, genesis.json and one config per LEAG for a local network')
  .requiredOption('--dir <dir>', 'output directory')
  .option('--leags <n>', 'number of LEAGs', int, 4)
  .option('--chain-id <id>', 'chain id', 'v2g-local')
  .option('--p2p-port <port>', 'first libp2p port', int, 7100)
  .option('--http-port <port>', 'first HTTP port', int, 8100)
  .option('--committee <k>', 'committee size (0 = all eligible LEAGs)', int, 0)
  .option('--window-blocks <n>', 'blocks per market window', int, 10)
  .option('--block-interval <ms>', 'target block interval', int, 200)
  .option(
    '--leader-policy <policy>',
    'top (fixed leader, DESIGN §5) or weighted-rotation',
    leaderPolicy,
    'top',
  )
  .action(async (o) => {
    const net = await initNetwork({
      leaderPolicy: o.leaderPolicy,
      dir: resolve(o.dir),
      leags: o.leags,
      chainId: o.chainId,
      p2pBasePort: o.p2pPort,
      httpBasePort: o.httpPort,
      committeeSize: o.committee,
      windowBlocks: o.windowBlocks,
      blockIntervalMs: o.blockInterval,
    });
    console.log(`wrote genesis.json and ${net.configPaths.length} LEAG configs to ${resolve(o.dir)}`);
    for (const p of net.configPaths) console.log(`  start with: v2g start --config ${p}`);
  });

program
  .command('start')
  .description('run a LEAG daemon')
  .requiredOption('--config <file>', 'config file written by `v2g init`')
  .action(async (o: { config: string }) => {
    const { runDaemon } = await import('../daemon/runDaemon.ts');
    try {
      await runDaemon(resolve(o.config));
    } catch (err) {
      // A damaged store gets its own message and exit code (storeCommands.ts); anything else is a plain error.
      if (err instanceof ChainStoreError) return reportStoreError(err, resolve(o.config));
      throw err;
    }
  });

registerStoreCommands(program);

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
  .option('--json <file>', 'also write the report as JSON')
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
        basePort: o.port,
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
  .option('--node <url>', 'LEAG API', 'http://127.0.0.1:8100')
  .action(async (o: { node: string }) => {
    const c = new NodeClient(o.node);
    console.log(JSON.stringify({ health: await c.health(), head: await c.head() }, null, 2));
  });

const ev = program.command('ev').description('EV commands, sent to a LEAG API');

ev.command('register')
  .description('register an EV account (signed by the RA and the account key)')
  .option('--node <url>', 'LEAG API', 'http://127.0.0.1:8100')
  .requiredOption('--ra <file>', 'RA key file')
  .requiredOption('--account <file>', 'EV account key file')
  .requiredOption('--leag <hex>', 'public key of the EV home LEAG')
  .option('--chain-id <id>', 'chain id', 'v2g-local')
  .action(async (o) => {
    const tx = registerEvTx(
      { chainId: o.chainId },
      await readKeyFile(o.ra),
      await readKeyFile(o.account),
      fromHex(o.leag),
    );
    console.log(JSON.stringify(await new NodeClient(o.node).submit(tx)));
  });

ev.command('deposit')
  .description("credit an EV wallet address (signed by the LEAG's account server key)")
  .option('--node <url>', 'LEAG API', 'http://127.0.0.1:8100')
  .requiredOption('--leag-key <file>', 'LEAG key file')
  .requiredOption('--to <address>', 'wallet address (hex)')
  .requiredOption('--amount <n>', 'micro-units', int)
  .requiredOption('--reference <n>', 'unique payment reference', int)
  .option('--chain-id <id>', 'chain id', 'v2g-local')
  .option('--window-blocks <n>', 'blocks per market window (genesis)', int, 10)
  .action(async (o) => {
    const c = new NodeClient(o.node);
    const head = await c.head();
    // The next block (head + 1) falls in window floor(head / windowBlocks).
    const window = Math.floor(head.height / o.windowBlocks);
    const tx = depositTx({ chainId: o.chainId }, await readKeyFile(o.leagKey), window, o.reference, [
      { address: fromHex(o.to), amount: o.amount },
    ]);
    console.log(JSON.stringify(await c.submit(tx)));
  });

ev.command('send')
  .description('pay from a wallet key to an address; change goes to a new one-time wallet')
  .option('--node <url>', 'LEAG API', 'http://127.0.0.1:8100')
  .requiredOption('--from <file>', 'wallet key file')
  .requiredOption('--to <address>', 'recipient wallet address (hex)')
  .requiredOption('--amount <n>', 'micro-units', int)
  .option('--change-key <file>', 'where to write the change wallet key', 'change.key')
  .option('--chain-id <id>', 'chain id', 'v2g-local')
  .action(async (o) => {
    const c = new NodeClient(o.node);
    const from = await readKeyFile(o.from);
    const { utxos, balance } = await c.balance(toHex(walletAddress(from.publicKey)));
    if (balance < o.amount) throw new Error(`wallet holds ${balance}, cannot send ${o.amount}`);
    const inputs: { outpoint: Outpoint; key: typeof from }[] = utxos.map((u) => ({
      outpoint: { txId: fromHex(u.txId), index: u.index },
      key: from,
    }));
    const outputs = [{ address: fromHex(o.to), amount: o.amount }];
    if (balance > o.amount) {
      const change = generateKeyPair();
      await writeKeyFile(o.changeKey, change);
      outputs.push({ address: walletAddress(change.publicKey), amount: balance - o.amount });
    }
    console.log(JSON.stringify(await c.submit(transferTx({ chainId: o.chainId }, inputs, outputs))));
  });

registerMarketCommands(program, ev);

await program.parseAsync(process.argv).catch((err: unknown) => {
  // API refusals carry their code (`untrusted: …`); a stack trace would only hide it.
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
