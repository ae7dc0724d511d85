import { encodeTx, type Genesis, type KeyPair, type Tx, toHex, txId, windowOf } from '@v2g/core';
import { depositTx, transferTx } from '../../node/src/client/txBuilders.ts';
import { type Coin, Wallet } from '../../node/src/testnet/wallet.ts';
import { api } from './api.ts';
import type { Rng } from './rng.ts';

export type TxKind = 'deposit' | 'transfer';

export interface LoadOptions {
  readonly genesis: Genesis;
  readonly leagKeys: readonly KeyPair[];
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
}

export interface LoadStats {
  acked: number;
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
  readonly stats: LoadStats = { acked: 0, refused: {}, unanswered: 0, starved: 0 };
  private readonly o: LoadOptions;
  private readonly evs: Ev[];
  private next = 0;
  private depositRef = 0;
  private inFlight = 0;

  constructor(o: LoadOptions) {
    this.o = o;
    this.evs = Array.from({ length: o.evs }, (_, i) => ({
      leag: i % o.leagKeys.length,
      wallet: new Wallet(),
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

  /** The auditor saw `idHex` committed: its outputs become spendable. */
  onCommitted(idHex: string): void {
    for (const ev of this.evs) {
      ev.wallet.confirm(idHex);
      ev.wallet.confirm(`${idHex}/change`);
    }
  }

  private env() {
    return { chainId: this.o.genesis.chainId };
  }

  private async submit(tx: Tx, kind: TxKind): Promise<'acked' | 'refused' | 'unanswered'> {
    const targets = this.o.targets();
    if (targets.length === 0) return 'refused';
    const leag = this.o.rng.pick(targets);
    this.inFlight++;
    const r = await api<{ id: string }>(this.o.apiUrl(leag), 'POST', '/v1/txs', { tx: toHex(encodeTx(tx)) });
    this.inFlight--;
    if (r.ok && r.status === 202) {
      this.stats.acked++;
      this.o.onAck(r.body.id, kind, leag);
      return 'acked';
    }
    if (r.status === 0) {
      this.stats.unanswered++;
      return 'unanswered';
    }
    const code = r.ok ? `http-${r.status}` : r.code;
    this.stats.refused[code] = (this.stats.refused[code] ?? 0) + 1;
    return 'refused';
  }
}
