/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */

import {
  buyOrderTx,
  gridAccountTx,
  meterReadingTx,
  NodeClient,
  registerMeterTx,
  sellOrderTx,
  tariffTx,
} from '@v2g/client';
import { fromHex, type KeyPair, type Outpoint, toHex, walletAddress } from '@v2g/core';
import { type Command, InvalidArgumentError } from 'commander';
import { readKeyFile } from '../config/keyFile.ts';
import {
  chainOf,
  DEFAULT_NODE,
  freshWallet,
  int,
  leagKey,
  type NodeOptions,
  withKeysDir,
  withNode,
} from './chainContext.ts';

const print = (v: unknown) => console.log(JSON.stringify(v, null, 2));

type Common = NodeOptions & { keysDir?: string };

/** The order's window: the one given, else the open one (the next one if it closes with this block). */
async function orderWindow(c: NodeClient, given: number | undefined): Promise<number> {
  if (given !== undefined) return given;
  const cur = await c.marketCurrent();
  return cur.blocksLeft <= 1 ? cur.window + 1 : cur.window;
}

/** The station the order names: the one given, else the account's home LEAG. */
async function orderLeag(c: NodeClient, account: KeyPair, given: string | undefined): Promise<Uint8Array> {
  if (given) return leagKey(c, given);
  const a = await c.account(toHex(account.publicKey));
  return fromHex(String(a.account.leag));
}

/**
 * Market commands (DESIGN §8 "EV commands"): orders and status for EVs,
 * readings for meters, window results and reputation for anyone, tariffs for
 * the grid operator. Orders and readings go to POST /v1/market/txs, which
 * answers with the market rule's code when the chain would refuse them.
 */
export function registerMarketCommands(program: Command, ev: Command): void {
  withKeysDir(withNode(ev.command('sell')))
    .description('offer energy in a market window (signed by the EV account key)')
    .requiredOption('--account <file>', 'EV account key file')
    .requiredOption('--energy <Wh>', 'energy to sell', int)
    .requiredOption('--expected <price>', 'opening ask, micro-units per Wh', int)
    .requiredOption('--min <price>', 'lowest acceptable price, micro-units per Wh', int)
    .option('--window <w>', 'market window (default: the open one)', int)
    .option('--leag <key|name>', 'station to trade at: public key or name (default: the home LEAG)')
    .option('--payout-key <file>', 'where to write the one-time payout wallet key')
    .action(async (o: Common & Record<string, string | number | undefined>) => {
      const c = new NodeClient(o.node);
      const account = await readKeyFile(String(o.account));
      const payout = await freshWallet('payout', o.payoutKey as string | undefined, o);
      const window = await orderWindow(c, o.window as number | undefined);
      const tx = sellOrderTx(await chainOf(c, o), account, {
        leag: await orderLeag(c, account, o.leag as string | undefined),
        window,
        energyWh: Number(o.energy),
        expectedPrice: Number(o.expected),
        minPrice: Number(o.min),
        payout: payout.address,
      });
      print({
        ...(await c.submitMarket(tx)),
        window,
        payoutAddress: toHex(payout.address),
        payoutKeyFile: payout.file,
      });
    });

  withKeysDir(withNode(ev.command('buy')))
    .description('bid for energy in a market window, escrowing energy × max price from a wallet')
    .requiredOption('--account <file>', 'EV account key file')
    .requiredOption('--from <file>', 'wallet key file paying the escrow')
    .requiredOption('--energy <Wh>', 'energy to buy', int)
    .requiredOption('--max <price>', 'highest price, micro-units per Wh', int)
    .option('--window <w>', 'market window (default: the open one)', int)
    .option('--leag <key|name>', 'station to trade at: public key or name (default: the home LEAG)')
    .option('--refund-key <file>', 'where to write the one-time refund wallet key')
    .option('--change-key <file>', 'where to write the change wallet key')
    .action(async (o: Common & Record<string, string | number | undefined>) => {
      const c = new NodeClient(o.node);
      const account = await readKeyFile(String(o.account));
      const from = await readKeyFile(String(o.from));
      const escrow = Number(o.energy) * Number(o.max);
      const { utxos, balance } = await c.balance(toHex(walletAddress(from.publicKey)));
      if (balance < escrow) throw new Error(`wallet holds ${balance}; the escrow needs ${escrow}`);
      const inputs: { outpoint: Outpoint; key: KeyPair }[] = [];
      let held = 0;
      for (const u of utxos) {
        if (held >= escrow) break;
        inputs.push({ outpoint: { txId: fromHex(u.txId), index: u.index }, key: from });
        held += u.amount;
      }
      const refund = await freshWallet('refund', o.refundKey as string | undefined, o);
      const change = held > escrow ? await freshWallet('change', o.changeKey as string | undefined, o) : null;
      const window = await orderWindow(c, o.window as number | undefined);
      const tx = buyOrderTx(
        await chainOf(c, o),
        account,
        {
          leag: await orderLeag(c, account, o.leag as string | undefined),
          window,
          energyWh: Number(o.energy),
          maxPrice: Number(o.max),
          refund: refund.address,
        },
        inputs,
        change ? [{ address: change.address, amount: held - escrow }] : [],
      );
      print({
        ...(await c.submitMarket(tx)),
        window,
        escrow,
        refundAddress: toHex(refund.address),
        refundKeyFile: refund.file,
        changeKeyFile: change?.file ?? null,
      });
    });

  ev.command('status')
    .description("an EV account's reputation <R, R_ES, R_EB> and its unsettled orders")
    .option('--node <url>', 'LEAG API', process.env.V2G_NODE ?? DEFAULT_NODE)
    .option('--account <file>', 'EV account key file')
    .option('--key <hex>', 'EV account public key')
    .action(async (o: { node: string; account?: string; key?: string }) => {
      const c = new NodeClient(o.node);
      const key = o.key ?? (o.account ? toHex((await readKeyFile(o.account)).publicKey) : undefined);
      if (!key) throw new InvalidArgumentError('give --account or --key');
      const [account, orders, current] = await Promise.all([
        c.account(key),
        c.accountOrders(key, 'unsettled'),
        c.marketCurrent(),
      ]);
      const rep = account.account.reputation as { es: number; eb: number };
      print({
        ...account,
        untrustedAsSeller: rep.es < current.rMinPpm,
        untrustedAsBuyer: rep.eb < current.rMinPpm,
        rMinPpm: current.rMinPpm,
        // Each with its status: open, cleared (matched) or unmatched.
        unsettledOrders: orders.orders,
      });
    });

  const meter = program.command('meter').description('smart meter commands');

  withNode(meter.command('register'))
    .description(
      "bind a meter's key to a station: signed by the RA (not the station's LEAG) and by the meter key",
    )
    .requiredOption('--ra <file>', 'RA key file')
    .requiredOption('--meter <file>', 'meter key file (created with `v2g keygen`)')
    .requiredOption('--leag <key|name>', "the station's LEAG: public key or name (leag-0)")
    .action(async (o: Common & { ra: string; meter: string; leag: string }) => {
      const c = new NodeClient(o.node);
      const tx = registerMeterTx(
        await chainOf(c, o),
        await readKeyFile(o.ra),
        await readKeyFile(o.meter),
        await leagKey(c, o.leag),
      );
      print(await c.submit(tx));
    });

  withNode(meter.command('read'))
    .description(
      'submit a signed meter reading for a matched order: energy delivered (sell) or consumed (buy)',
    )
    .requiredOption('--meter <file>', 'meter key file')
    .requiredOption('--order <id>', 'order id (its transaction id)')
    .requiredOption('--energy <Wh>', 'energy the meter measured', int)
    .action(async (o: Common & { meter: string; order: string; energy: number }) => {
      const c = new NodeClient(o.node);
      const found = await c.marketOrder(o.order);
      if (typeof found.window !== 'number')
        throw new Error(`order ${o.order} is ${found.status}; read it once it has cleared`);
      const window = found.window;
      const tx = meterReadingTx(
        await chainOf(c, o),
        await readKeyFile(o.meter),
        window,
        fromHex(o.order),
        o.energy,
      );
      print({ ...(await c.submitMarket(tx)), window });
    });

  const market = program.command('market').description('market windows, orders and reputation');

  market
    .command('current')
    .description('the open window, its closing height and tariff')
    .option('--node <url>', 'LEAG API', process.env.V2G_NODE ?? DEFAULT_NODE)
    .action(async (o: { node: string }) => print(await new NodeClient(o.node).marketCurrent()));

  market
    .command('window <w>')
    .description("a window's tariff, clearing per station and per-order results")
    .option('--node <url>', 'LEAG API', process.env.V2G_NODE ?? DEFAULT_NODE)
    .option('--limit <n>', 'orders per page (1..500)', int, 100)
    .option('--after <id>', 'the page after this order id')
    .action(async (w: string, o: { node: string; limit: number; after?: string }) => {
      const page = o.after === undefined ? { limit: o.limit } : { limit: o.limit, after: o.after };
      print(await new NodeClient(o.node).marketWindow(int(w), page));
    });

  market
    .command('order <id>')
    .description('one order: its match and settlement')
    .option('--node <url>', 'LEAG API', process.env.V2G_NODE ?? DEFAULT_NODE)
    .action(async (id: string, o: { node: string }) => print(await new NodeClient(o.node).marketOrder(id)));

  market
    .command('reputation')
    .description('EV accounts with R, R_ES, R_EB and whether they are below R_min')
    .option('--node <url>', 'LEAG API', process.env.V2G_NODE ?? DEFAULT_NODE)
    .option('--untrusted', 'only accounts below R_min')
    .option('--limit <n>', 'accounts per page (1..1000)', int, 100)
    .option('--after <key>', 'the page after this account key')
    .action(async (o: { node: string; untrusted?: boolean; limit: number; after?: string }) => {
      const q = {
        limit: o.limit,
        ...(o.after === undefined ? {} : { after: o.after }),
        ...(o.untrusted ? { untrusted: true } : {}),
      };
      print(await new NodeClient(o.node).reputation(q));
    });

  const grid = program.command('grid').description('grid operator commands');

  withNode(grid.command('tariff'))
    .description(
      "publish a window's retail (buyers' cap) and feed-in (sellers' floor) prices and wheeling fee",
    )
    .requiredOption('--grid-key <file>', 'grid operator key file')
    .requiredOption('--window <w>', 'market window', int)
    .requiredOption('--retail <price>', 'retail price, micro-units per Wh', int)
    .requiredOption('--feed-in <price>', 'feed-in price, micro-units per Wh', int)
    .option('--wheeling <fee>', 'wheeling fee per Wh between any two stations', int, 0)
    .action(
      async (
        o: Common & { gridKey: string; window: number; retail: number; feedIn: number; wheeling: number },
      ) => {
        const c = new NodeClient(o.node);
        const key = await readKeyFile(o.gridKey);
        const tx = tariffTx(await chainOf(c, o), key, o.window, o.retail, o.feedIn, { fee: o.wheeling });
        print(await c.submit(tx));
      },
    );

  grid
    .command('account')
    .description('the grid account: the balance it buys EV surplus from, and what clearing reserved')
    .option('--node <url>', 'LEAG API', process.env.V2G_NODE ?? DEFAULT_NODE)
    .action(async (o: { node: string }) => print(await new NodeClient(o.node).marketGrid()));

  withNode(grid.command('fund'))
    .description("move tokens from the grid operator's wallet (its key's address) into the grid account")
    .requiredOption('--grid-key <file>', 'grid operator key file')
    .requiredOption('--amount <n>', 'micro-units', int)
    .action(async (o: Common & { gridKey: string; amount: number }) => {
      const c = new NodeClient(o.node);
      const key = await readKeyFile(o.gridKey);
      const own = walletAddress(key.publicKey);
      const { utxos, balance } = await c.balance(toHex(own));
      if (balance < o.amount)
        throw new Error(`the grid operator's wallet holds ${balance}; ${o.amount} asked`);
      const inputs: Outpoint[] = [];
      let held = 0;
      for (const u of utxos) {
        if (held >= o.amount) break;
        inputs.push({ txId: fromHex(u.txId), index: u.index });
        held += u.amount;
      }
      const change = held > o.amount ? [{ address: own, amount: held - o.amount }] : [];
      print(await c.submit(gridAccountTx(await chainOf(c, o), key, Date.now(), inputs, change)));
    });

  withNode(grid.command('withdraw'))
    .description("move tokens from the grid account's free balance to the grid operator's wallet")
    .requiredOption('--grid-key <file>', 'grid operator key file')
    .requiredOption('--amount <n>', 'micro-units', int)
    .action(async (o: Common & { gridKey: string; amount: number }) => {
      const c = new NodeClient(o.node);
      const key = await readKeyFile(o.gridKey);
      const outputs = [{ address: walletAddress(key.publicKey), amount: o.amount }];
      print(await c.submit(gridAccountTx(await chainOf(c, o), key, Date.now(), [], outputs)));
    });
}
