/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */

import { registerLeagTx } from '@v2g/client';
import { fromHex, toHex } from '@v2g/core';
import { type Command, InvalidArgumentError } from 'commander';
import { readKeyFile } from '../config/keyFile.ts';
import { chainOf, clientOf, type NodeOptions, withNode } from './chainContext.ts';

/**
 * `v2g leag register`: the RA admits a new station's LEAG, the first step of
 * joining a running network (README, "Joining a network"). Once the
 * registration commits, the other LEAGs accept the new LEAG's connections and
 * it can start, bootstrapped from any of them.
 */
export function registerLeagCommands(program: Command): void {
  const leag = program.command('leag').description('LEAG (station) commands');
  withNode(leag.command('register'))
    .description('register a new LEAG so it may join the network (signed by the RA)')
    .requiredOption('--ra <file>', 'RA key file')
    .option('--leag-key <file>', "the new LEAG's key file")
    .option('--key <hex>', "the new LEAG's public key (instead of its key file)")
    .action(async (o: NodeOptions & { ra: string; leagKey?: string; key?: string }) => {
      const key = o.key ? fromHex(o.key) : o.leagKey ? (await readKeyFile(o.leagKey)).publicKey : null;
      if (!key) throw new InvalidArgumentError('give --leag-key or --key');
      const c = clientOf(o);
      const result = await c.submit(registerLeagTx(await chainOf(c, o), await readKeyFile(o.ra), key));
      console.log(JSON.stringify({ ...result, leag: toHex(key) }, null, 2));
    });
}
