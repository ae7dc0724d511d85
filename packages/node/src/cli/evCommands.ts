/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { depositTx, registerEvTx, transferTx } from '@v2g/client';
import { fromHex, type Outpoint, toHex, walletAddress } from '@v2g/core';
import type { Command } from 'commander';
import { readKeyFile } from '../config/keyFile.ts';
import {
  chainOf,
  clientOf,
  freshWallet,
  int,
  keysDirOf,
  leagKey,
  type NodeOptions,
  withKeysDir,
  withNode,
} from './chainContext.ts';

const print = (v: unknown) => console.log(JSON.stringify(v, null, 2));

/** `v2g ev register|deposit|send`: the EV's account and its money; orders are in marketCommands.ts. */
export function registerEvCommands(ev: Command): void {
  withNode(ev.command('register'))
    .description('register an EV account (signed by the RA and the account key)')
    .requiredOption('--ra <file>', 'RA key file')
    .requiredOption('--account <file>', 'EV account key file')
    .requiredOption('--leag <key|name>', 'the EV home LEAG: its public key or its name (leag-0)')
    .action(async (o: NodeOptions & { ra: string; account: string; leag: string }) => {
      const c = clientOf(o);
      const tx = registerEvTx(
        await chainOf(c, o),
        await readKeyFile(o.ra),
        await readKeyFile(o.account),
        await leagKey(c, o.leag),
      );
      print(await c.submit(tx));
    });

  withNode(ev.command('deposit'))
    .description("credit an EV wallet address (signed by the LEAG's account server key)")
    .requiredOption('--leag-key <file>', 'LEAG key file')
    .requiredOption('--to <address>', 'wallet address (hex)')
    .requiredOption('--amount <n>', 'micro-units', int)
    .requiredOption('--reference <n>', 'unique payment reference', int)
    .action(async (o: NodeOptions & { leagKey: string; to: string; amount: number; reference: number }) => {
      const c = clientOf(o);
      // A deposit counts against the window of the block it lands in: the open window, as the LEAG says.
      const { window } = await c.marketCurrent();
      const tx = depositTx(await chainOf(c, o), await readKeyFile(o.leagKey), window, o.reference, [
        { address: fromHex(o.to), amount: o.amount },
      ]);
      print({ ...(await c.submit(tx)), window });
    });

  withKeysDir(withNode(ev.command('balance')))
    .description(
      'what an EV owns across its one-time wallets: every key file in the keys dir (payout, refund, change) and any named',
    )
    .argument('[files...]', 'more wallet key files')
    .action(async (files: string[], o: NodeOptions & { keysDir?: string }) => {
      const c = clientOf(o);
      const dir = keysDirOf(o);
      const inDir = existsSync(dir)
        ? (await readdir(dir)).filter((f) => f.endsWith('.key')).map((f) => join(dir, f))
        : [];
      const wallets = [];
      for (const file of [...inDir, ...files.map((f) => resolve(f))]) {
        const key = await readKeyFile(file).catch(() => null);
        if (!key) continue;
        const address = toHex(walletAddress(key.publicKey));
        const { balance, utxos } = await c.balance(address);
        wallets.push({ file, address, balance, utxos: utxos.length });
      }
      print({ keysDir: dir, wallets, total: wallets.reduce((s, w) => s + w.balance, 0) });
    });

  withKeysDir(withNode(ev.command('send')))
    .description('pay from a wallet key to an address; change goes to a new one-time wallet')
    .requiredOption('--from <file>', 'wallet key file')
    .requiredOption('--to <address>', 'recipient wallet address (hex)')
    .requiredOption('--amount <n>', 'micro-units', int)
    .option(
      '--change-key <file>',
      'where to write the change wallet key (default: a new file in the keys dir)',
    )
    .action(
      async (
        o: NodeOptions & { from: string; to: string; amount: number; changeKey?: string; keysDir?: string },
      ) => {
        const c = clientOf(o);
        const from = await readKeyFile(o.from);
        const { utxos, balance } = await c.balance(toHex(walletAddress(from.publicKey)));
        if (balance < o.amount) throw new Error(`wallet ${o.from} holds ${balance}, cannot send ${o.amount}`);
        const inputs: { outpoint: Outpoint; key: typeof from }[] = utxos.map((u) => ({
          outpoint: { txId: fromHex(u.txId), index: u.index },
          key: from,
        }));
        const outputs = [{ address: fromHex(o.to), amount: o.amount }];
        let changeKeyFile: string | null = null;
        if (balance > o.amount) {
          const change = await freshWallet('change', o.changeKey, o);
          outputs.push({ address: change.address, amount: balance - o.amount });
          changeKeyFile = change.file;
        }
        const env = await chainOf(c, o);
        print({ ...(await c.submit(transferTx(env, inputs, outputs))), changeKeyFile });
      },
    );
}
