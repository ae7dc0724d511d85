#!/usr/bin/env node
/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { resolve } from 'node:path';
import { generateKeyPair, type LeaderPolicy, toHex, walletAddress } from '@v2g/core';
import { Command, InvalidArgumentError } from 'commander';
import { writeKeyFile } from '../config/keyFile.ts';
import { passphraseFromEnv } from '../config/keystore.ts';
import { writeHistory } from '../history/historyFiles.ts';
import { collectHistory } from '../history/windowHistory.ts';
import { clientOf, DEFAULT_NODE } from './chainContext.ts';
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
if (process.env.INIT_CWD && script === 'v2g') process.chdir(process.env.INIT_CWD);

function leaderPolicy(value: string): LeaderPolicy {
  if (value !== 'top' && value !== 'weighted-rotation')
    throw new InvalidArgumentError('top or weighted-rotation');
  return value;
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
