/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LeaderPolicy } from '@v2g/core';
import type { Command } from 'commander';
import { initNetwork } from '../config/initNetwork.ts';
import { int } from './chainContext.ts';

/** Seconds a market window lasts by default: time enough for a person to place an order by hand. */
export const DEFAULT_WINDOW_SECONDS = 60;

/** Every file `v2g init` writes into `dir` for `leags` LEAGs. */
export function initFiles(dir: string, leags: number): string[] {
  const perLeag = Array.from({ length: leags }, (_, i) => [`leag-${i}.key`, `leag-${i}.json`]).flat();
  return ['genesis.json', 'ra.key', 'grid.key', ...perLeag].map((f) => join(dir, f));
}

/**
 * `v2g init`: keys, genesis and configs for a local network. It never
 * replaces a network already there unless asked (`--force`): the old keys,
 * and the chain that genesis started, would be gone. With `--force` the old
 * chain data is moved aside, not deleted, since it cannot run on the new genesis.
 */
export function initCommand(program: Command, leaderPolicy: (v: string) => LeaderPolicy): void {
  program
    .command('init')
    .description('create keys, genesis.json and one config per LEAG for a local network')
    .requiredOption('--dir <dir>', 'output directory')
    .option('--leags <n>', 'number of LEAGs', int, 4)
    .option('--chain-id <id>', 'chain id', 'v2g-local')
    .option('--p2p-port <port>', 'first libp2p port', int, 7100)
    .option('--http-port <port>', 'first HTTP port', int, 8100)
    .option('--committee <k>', 'committee size (0 = all eligible LEAGs)', int, 0)
    .option('--block-interval <ms>', 'target block interval', int, 200)
    .option(
      '--window-seconds <s>',
      'market window length in seconds, turned into blocks at the block interval',
      int,
      DEFAULT_WINDOW_SECONDS,
    )
    .option('--window-blocks <n>', 'blocks per market window (overrides --window-seconds)', int)
    .option(
      '--leader-policy <policy>',
      'top (fixed leader, DESIGN §5) or weighted-rotation',
      leaderPolicy,
      'top',
    )
    .option(
      '--force',
      'replace a network already in --dir (its keys are lost; its chain data is moved aside)',
    )
    .action(async (o) => {
      const dir = resolve(o.dir);
      const existing = initFiles(dir, o.leags).filter((f) => existsSync(f));
      const data = join(dir, 'data');
      if ((existing.length > 0 || existsSync(data)) && !o.force) {
        const listed = [...existing, ...(existsSync(data) ? [data] : [])];
        throw new Error(
          `${dir} already holds a network (${listed.slice(0, 4).join(', ')}${listed.length > 4 ? ', …' : ''});` +
            ' its keys and genesis would be lost. Choose another --dir, or --force to replace it',
        );
      }
      if (existsSync(data)) {
        const aside = `${data}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await rename(data, aside);
        console.log(`moved the replaced network's chain data to ${aside}`);
      }
      const windowBlocks =
        o.windowBlocks ?? Math.max(1, Math.round((o.windowSeconds * 1000) / o.blockInterval));
      const net = await initNetwork({
        leaderPolicy: o.leaderPolicy,
        dir,
        leags: o.leags,
        chainId: o.chainId,
        p2pBasePort: o.p2pPort,
        httpBasePort: o.httpPort,
        committeeSize: o.committee,
        windowBlocks,
        blockIntervalMs: o.blockInterval,
      });
      const seconds = (windowBlocks * o.blockInterval) / 1000;
      console.log(
        `wrote genesis.json, ra.key, grid.key and ${net.configPaths.length} LEAG keys and configs to ${dir}`,
      );
      console.log(
        `  chain ${o.chainId}: blocks every ${o.blockInterval} ms, market windows of ${windowBlocks} blocks (about ${seconds} s)`,
      );
      for (const p of net.configPaths) console.log(`  start with: v2g start --config ${p}`);
    });
}
