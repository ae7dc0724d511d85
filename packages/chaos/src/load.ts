import { buyOrderTx, depositTx, registerEvTx, sellOrderTx, tariffTx, transferTx } from '@v2g/client';
import {
  encodeTx,
  type Genesis,
  generateKeyPair,
  type KeyPair,
  type Tx,
  toHex,
  txId,
  windowOf,
} from '@v2g/core';
import { type Coin, Wallet } from '@v2g/testnet';
import { api } from './api.ts';
import type { Rng } from './rng.ts';

export type TxKind = 'deposit' | 'transfer' | 'register-ev' | 'tariff' | 'sell-order' | 'buy-order';

/** The grid operator's prices for every window of a run (feed-in ≤ any order price ≤ retail). */
export const RETAIL_PRICE = 20;
export const FEED_IN_PRICE = 5;
/** A submission not seen committed after this long is sent again (same bytes, same id). */
const RESEND_MS = 5000;

export interface LoadOptions {
  readonly genesis: Genesis;
  readonly leagKeys: readonly KeyPair[];
  /** The RA registers the EVs' market accounts; the grid operator publishes tariffs. */
  readonly ra: KeyPair;
  readonly grid: KeyPair;
  readonly evs: number;
  readonly coinsPerEv: number;
  readonly rng: Rng;
  apiUrl(leag: number): string;
  /** LEAGs that may take a submission now. */
  targets(): readonly number[];
  /** Called for every 202: the transaction is acknowledged and must be accounted for. */
  onAck(id: string, kind: TxKind, leag: number): void;
}

interface Ev {
  readonly leag: number;
  readonly wallet: Wallet;
  /** Its market account (signs its orders), registered by the RA at its LEAG. */
  readonly account: KeyPair;
  registration: { id: string; sentAt: number } | null;
  registered: boolean;
}

export interface LoadStats {
  acked: number;
  ackedByKind: Record<string, number>;
  refused: Record<string, number>;
  /** Submissions with no answer: possibly pooled, so their inputs are not reused. */
  unanswered: number;
  /** Ticks with no spendable coin left (every coin waiting on a commit). */
  starved: number;
}

/**
 * Signed EV transfers at a bounded rate, each to a random live LEAG, built
 * with the node's transaction builders and the testnet's one-time-address
 * wallet. A coin is spent once: it comes back (as outputs) only when the
 * auditor sees the spending transaction committed, or (as the input) when a
 * LEAG refuses it outright.
 */
export class Load {
  readonly stats: LoadStats = { acked: 0, ackedByKind: {}, refused: {}, unanswered: 0, starved: 0 };
  private readonly o: LoadOptions;
  private readonly evs: Ev[];
  private next = 0;
  private depositRef = 0;
  private inFlight = 0;
  /** Tariffs sent, by window, and the windows whose tariff was seen committed. */
  private readonly tariffs = new Map<number, { id: string; sentAt: number }>();
  private readonly tariffed = new Set<number>();
  private nextOrder = 0;

  constructor(o: LoadOptions) {
    this.o = o;
    this.evs = Array.from({ length: o.evs }, (_, i) => ({
      leag: i % o.leagKeys.length,
      wallet: new Wallet(),
      account: generateKeyPair(),
      registration: null,
      registered: false,
    }));
  }

  get spendable(): number {
    return this.evs.reduce((s, ev) => s + ev.wallet.spendable, 0);
  }

  /** Each EV without coins gets a deposit from its LEAG's account server, for the window of the next block. */
  async fund(height: number, amount: number): Promise<void> {
    const window = windowOf(height + 1, this.o.genesis);
    await Promise.all(
      this.evs
        .filter((ev) => ev.wallet.spendable === 0)
        .map(async (ev) => {
          const coins: Coin[] = [];
          const outputs = Array.from({ length: this.o.coinsPerEv }, (_, index) => {
            const { key, address } = ev.wallet.freshAddress();
            coins.push({ outpoint: { txId: new Uint8Array(32), index }, amount, key });
            return { address, amount };
          });
          const tx = depositTx(this.env(), this.o.leagKeys[ev.leag]!, window, ++this.depositRef, outputs);
          const id = txId(tx);
          ev.wallet.expect(
            toHex(id),
            coins.map((c) => ({ ...c, outpoint: { txId: id, index: c.outpoint.index } })),
          );
          await this.submit(tx, 'deposit');
        }),
    );
  }

  /** Up to `count` transfers, each from the next EV with a coin to a fresh address of another EV. */
  async transfers(count: number): Promise<void> {
    const sends: Promise<void>[] = [];
    for (let tries = 0; sends.length < count && tries < this.evs.length && this.inFlight < 200; ) {
      const ev = this.evs[this.next++ % this.evs.length]!;
      const coin = ev.wallet.take();
      if (!coin) {
        tries++;
        continue;
      }
      const payee = this.o.rng.pick(this.evs.filter((e) => e !== ev));
      const pay = Math.max(1, Math.floor(coin.amount / 3));
      const dest = payee.wallet.freshAddress();
      const change = ev.wallet.freshAddress();
      const outputs = [{ address: dest.address, amount: pay }];
      if (coin.amount > pay) outputs.push({ address: change.address, amount: coin.amount - pay });
      const tx = transferTx(this.env(), [{ outpoint: coin.outpoint, key: coin.key }], outputs);
      const id = txId(tx);
      const idHex = toHex(id);
      payee.wallet.expect(idHex, [{ outpoint: { txId: id, index: 0 }, amount: pay, key: dest.key }]);
      if (outputs.length > 1) {
        ev.wallet.expect(`${idHex}/change`, [
          { outpoint: { txId: id, index: 1 }, amount: coin.amount - pay, key: change.key },
        ]);
      }
      sends.push(
        this.submit(tx, 'transfer').then((outcome) => {
          if (outcome === 'refused') {
            ev.wallet.abandon(`${idHex}/change`, [coin]);
            payee.wallet.abandon(idHex, []);
          }
        }),
      );
    }
    if (sends.length < count) this.stats.starved++;
    await Promise.all(sends);
  }

  /**
   * The market's preconditions, sent again until seen committed: every EV's
   * account registered at its LEAG, and a tariff for the open window and the
   * next two (windows are those of the block after `height`).
   */
  async marketSetup(height: number, nowMs: number): Promise<void> {
    const sends: Promise<unknown>[] = [];
    const due = (sent: { sentAt: number } | null | undefined) => !sent || nowMs - sent.sentAt > RESEND_MS;
    for (const ev of this.evs) {
      if (ev.registered || !due(ev.registration)) continue;
      const tx = registerEvTx(this.env(), this.o.ra, ev.account, this.o.leagKeys[ev.leag]!.publicKey);
      ev.registration = { id: toHex(txId(tx)), sentAt: nowMs };
      sends.push(this.submit(tx, 'register-ev'));
    }
    const open = windowOf(height + 1, this.o.genesis);
    for (let w = open; w <= open + 2; w++) {
      if (this.tariffed.has(w) || !due(this.tariffs.get(w))) continue;
      const tx = tariffTx(this.env(), this.o.grid, w, RETAIL_PRICE, FEED_IN_PRICE);
      this.tariffs.set(w, { id: toHex(txId(tx)), sentAt: nowMs });
      sends.push(this.submit(tx, 'tariff'));
    }
    await Promise.all(sends);
  }

  /**
   * Up to `count` market orders for the window after the open one (so the
   * order cannot miss its window), by registered EVs in turn: sell orders
   * (no tokens move), and buy orders escrowing energy × retail price from
   * one of the EV's coins, the rest back as change.
   */
  async orders(count: number, height: number): Promise<void> {
    const window = windowOf(height + 1, this.o.genesis) + 1;
    if (!this.tariffed.has(window)) return;
    const ready = this.evs.filter((ev) => ev.registered);
    const sends: Promise<void>[] = [];
    for (let k = 0; k < count && ready.length > 0; k++) {
      const ev = ready[this.nextOrder++ % ready.length]!;
      const leag = this.o.leagKeys[ev.leag]!.publicKey;
      const energyWh = this.o.rng.int(50, 500);
      const to = ev.wallet.freshAddress();
      if (this.o.rng.int(0, 1) === 0) {
        const tx = sellOrderTx(this.env(), ev.account, {
          leag,
          window,
          energyWh,
          expectedPrice: RETAIL_PRICE,
          minPrice: FEED_IN_PRICE,
          payout: to.address,
        });
        sends.push(this.submit(tx, 'sell-order', '/v1/market/txs').then(() => undefined));
        continue;
      }
      const coin = ev.wallet.take();
      const escrow = energyWh * RETAIL_PRICE;
      if (!coin) continue;
      if (coin.amount < escrow) {
        ev.wallet.add(coin);
        continue;
      }
      const change = ev.wallet.freshAddress();
      const outputs = coin.amount > escrow ? [{ address: change.address, amount: coin.amount - escrow }] : [];
      const tx = buyOrderTx(
        this.env(),
        ev.account,
        { leag, window, energyWh, maxPrice: RETAIL_PRICE, refund: to.address },
        [{ outpoint: coin.outpoint, key: coin.key }],
        outputs,
      );
      const id = txId(tx);
      const idHex = toHex(id);
      if (outputs.length > 0) {
        ev.wallet.expect(`${idHex}/change`, [
          { outpoint: { txId: id, index: 0 }, amount: coin.amount - escrow, key: change.key },
        ]);
      }
      sends.push(
        this.submit(tx, 'buy-order', '/v1/market/txs').then((outcome) => {
          if (outcome === 'refused') ev.wallet.abandon(`${idHex}/change`, [coin]);
        }),
      );
    }
    await Promise.all(sends);
  }

  /** The auditor saw `idHex` committed: its outputs become spendable, a registration or tariff is done. */
  onCommitted(idHex: string): void {
    for (const ev of this.evs) {
      ev.wallet.confirm(idHex);
      ev.wallet.confirm(`${idHex}/change`);
      if (ev.registration?.id === idHex) ev.registered = true;
    }
    for (const [w, t] of this.tariffs) if (t.id === idHex) this.tariffed.add(w);
  }

  private env() {
    return { chainId: this.o.genesis.chainId };
  }

  private async submit(tx: Tx, kind: TxKind, path = '/v1/txs'): Promise<'acked' | 'refused' | 'unanswered'> {
    const targets = this.o.targets();
    if (targets.length === 0) return 'refused';
    const leag = this.o.rng.pick(targets);
    this.inFlight++;
    const r = await api<{ id: string }>(this.o.apiUrl(leag), 'POST', path, { tx: toHex(encodeTx(tx)) });
    this.inFlight--;
    if (r.ok && r.status === 202) {
      this.stats.acked++;
      this.stats.ackedByKind[kind] = (this.stats.ackedByKind[kind] ?? 0) + 1;
      this.o.onAck(r.body.id, kind, leag);
      return 'acked';
    }
    if (r.status === 0) {
      this.stats.unanswered++;
      return 'unanswered';
    }
    const code = `${kind} ${r.ok ? `http-${r.status}` : r.code}`;
    this.stats.refused[code] = (this.stats.refused[code] ?? 0) + 1;
    return 'refused';
  }
}
