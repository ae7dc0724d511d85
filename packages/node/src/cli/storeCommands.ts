/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { genesisFromJson } from '@v2g/core';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { ChainStore, ChainStoreError } from '../storage/chainStore.ts';

/**
 * Exit code of `v2g start` and `v2g store check` when the data directory
 * fails the store checks (sysexits' EX_DATAERR): distinct from 1, any other
 * failure, so a supervisor can stop restarting a LEAG that will never start
 * on this directory and page a person instead.
 */
export const STORE_EXIT_CODE = 65;

/** Says what is wrong with the store and how to recover, for a person reading a terminal or a journal. */
export async function reportStoreError(err: ChainStoreError, configPath: string): Promise<void> {
  const dataDir = await loadConfig(configPath).then(
    (c) => c.dataDir,
    () => 'the data directory',
  );
  console.error(`error: the chain store failed its checks (${err.code}): ${err.message}`);
  if (err.code === 'store-locked') {
    console.error('  Stop the LEAG that holds it first; a running LEAG checked its store when it started.');
  } else if (err.code !== 'no-store') {
    console.error(
      `  The LEAG will not serve a damaged chain. To recover, stop it, move ${dataDir} away (keep it for` +
        ' inspection), and start again with an empty dataDir: the LEAG re-syncs the chain from its peers.',
    );
  }
  process.exitCode = STORE_EXIT_CODE;
}

export function registerStoreCommands(program: Command): void {
  const store = program.command('store').description("a stopped LEAG's chain store");
  store
    .command('check')
    .description(`check a stopped LEAG's store against itself; exit ${STORE_EXIT_CODE} when it fails`)
    .requiredOption('--config <file>', 'the LEAG config')
    .action(async (o: { config: string }) => {
      const configPath = resolve(o.config);
      const config = await loadConfig(configPath);
      const genesis = genesisFromJson(JSON.parse(await readFile(config.genesisFile, 'utf8')));
      try {
        const chain = await ChainStore.open(config.dataDir, genesis, { create: false });
        await chain.close();
        console.log(JSON.stringify({ ok: true, dataDir: config.dataDir, ...chain.summary }));
      } catch (err) {
        if (!(err instanceof ChainStoreError)) throw err;
        console.log(
          JSON.stringify({ ok: false, dataDir: config.dataDir, code: err.code, message: err.message }),
        );
        await reportStoreError(err, configPath);
      }
    });
}
