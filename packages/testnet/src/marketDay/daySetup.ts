import {
  depositTx,
  type NodeClient,
  registerEvTx,
  registerMeterTx,
  type TxEnvelope,
  tariffTx,
} from '@v2g/client';
import { type KeyPair, type Tx, toHex, txId } from '@v2g/core';
import type { Coin } from '../wallet.ts';
import type { DayEv } from './dayEvs.ts';
import { tariffOf } from './dayProfile.ts';
import type { DaySubmissions } from './daySubmissions.ts';
import { fundGridAccount } from './marketFunding.ts';

const COINS_PER_EV = 8;
/** What the grid operator puts in its account: far more than a day of surplus at feed-in. */
const GRID_FUNDS = 10_000_000_000;
const COIN_AMOUNT = 20_000_000;

export interface DaySetup {
  readonly env: TxEnvelope;
  readonly ra: KeyPair;
  readonly grid: KeyPair;
  readonly leagKeys: readonly KeyPair[];
  readonly clients: readonly NodeClient[];
  readonly evs: readonly DayEv[];
  /** One meter per station, LEAG i's at index i. */
  readonly meters: readonly KeyPair[];
  /** Tariffs are published from the current window `fromWindow` up to, not including, `windows`. */
  readonly fromWindow: number;
  readonly windows: number;
  readonly submissions: DaySubmissions;
  readonly log: (line: string) => void;
}

/**
 * Before the first orders: the grid operator's tariffs, the RA's registrations
 * of every station's meter and EV, deposits to every EV, and the grid
 * operator's account.
 */
export async function setUpDay(s: DaySetup, done: () => boolean): Promise<void> {
  // Deposit references are unique per LEAG; the transfer driver counts up from 1.
  let depositRef = 1_000_000;
  const reference = () => ++depositRef;
  const tariffs: Tx[] = [];
  for (let w = s.fromWindow; w < s.windows; w++) {
    const t = tariffOf(w);
    tariffs.push(tariffTx(s.env, s.grid, w, t.retailPrice, t.feedInPrice, { fee: t.wheelingFee }));
  }
  await s.submissions.submitAll(0, tariffs);
  const byLeag = s.leagKeys.map((k, i) => [
    registerMeterTx(s.env, s.ra, s.meters[i]!, k.publicKey),
    ...s.evs.filter((ev) => ev.leag === i).map((ev) => registerEvTx(s.env, s.ra, ev.account, k.publicKey)),
  ]);
  await Promise.all(byLeag.map((txs, i) => s.submissions.submitAll(i, txs)));
  await depositAll(s, reference, done);
  await s.submissions.waitCommitted(done, 30_000);
  await fundGridAccount({
    env: s.env,
    client: s.clients[0]!,
    leag: s.leagKeys[0]!,
    grid: s.grid,
    amount: GRID_FUNDS,
    reference,
    submit: (txs) => s.submissions.submitAll(0, txs),
    settle: () => s.submissions.waitCommitted(done, 10_000),
    done,
  });
  s.log(
    `market: ${s.evs.length} EVs (${s.evs.filter((e) => e.model.profile.dishonest).length} dishonest), ${s.meters.length} meters, tariffs to window ${s.windows - 1}`,
  );
}

/** LEAG account servers credit each EV's one-time addresses; retried once if a window boundary got in the way. */
async function depositAll(s: DaySetup, reference: () => number, done: () => boolean): Promise<void> {
  const owners = s.submissions.owners;
  for (let attempt = 0; attempt < 3 && !done(); attempt++) {
    const unfunded = s.evs.filter((ev) => ev.wallet.spendable === 0 && ![...owners.values()].includes(ev));
    if (unfunded.length === 0) return;
    // A deposit names the window it lands in; leave a few blocks of slack before the boundary.
    let cur = await s.clients[0]!.marketCurrent();
    for (let i = 0; i < 50 && cur.blocksLeft < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      cur = await s.clients[0]!.marketCurrent();
    }
    const byLeag = new Map<number, Tx[]>();
    for (const ev of unfunded) {
      const outputs = [];
      const coins: Coin[] = [];
      for (let i = 0; i < COINS_PER_EV; i++) {
        const { key, address } = ev.wallet.freshAddress();
        outputs.push({ address, amount: COIN_AMOUNT });
        coins.push({ outpoint: { txId: new Uint8Array(32), index: i }, amount: COIN_AMOUNT, key });
      }
      const tx = depositTx(s.env, s.leagKeys[ev.leag]!, cur.window, reference(), outputs);
      const id = txId(tx);
      ev.wallet.expect(
        toHex(id),
        coins.map((c) => ({ ...c, outpoint: { txId: id, index: c.outpoint.index } })),
      );
      owners.set(toHex(id), ev);
      byLeag.set(ev.leag, [...(byLeag.get(ev.leag) ?? []), tx]);
    }
    await Promise.all([...byLeag].map(([leag, txs]) => s.submissions.submitAll(leag, txs)));
    await s.submissions.waitCommitted(done, 10_000);
    // Deposits still not committed were dropped (their window closed): forget them and retry.
    for (const [id, ev] of [...owners]) {
      if (ev.wallet.spendable === 0) owners.delete(id);
    }
  }
}
