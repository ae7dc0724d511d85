import type { NodeClient } from '@v2g/client';
import { depositTx, registerEvTx, tariffTx, transferTx } from '@v2g/client';
import type { Genesis } from '@v2g/core';
import { generateKeyPair, type KeyPair, type Tx, toHex, txId, walletAddress, windowOf } from '@v2g/core';
import { type Coin, Wallet } from './wallet.ts';

export interface Ev {
  readonly account: KeyPair;
  readonly leag: number;
  readonly wallet: Wallet;
}

export interface DriverOptions {
  readonly genesis: Genesis;
  readonly ra: KeyPair;
  readonly grid: KeyPair;
  readonly leagKeys: readonly KeyPair[];
  readonly clients: readonly NodeClient[];
  readonly evCount: number;
  /** Coins minted per EV by its LEAG's deposit (at most 64 outputs per deposit). */
  readonly coinsPerEv: number;
}

/**
 * Drives EV traffic through the LEAGs' HTTP APIs: RA registrations, LEAG
 * deposits, grid tariffs and wallet-to-wallet transfers to one-time
 * addresses. It remembers when each transaction was submitted, so commit
 * latency can be measured from the block events.
 */
export class TrafficDriver {
  readonly evs: Ev[] = [];
  readonly submittedAt = new Map<string, number>();
  readonly latencies: number[] = [];
  submitted = 0;
  refused = new Map<string, number>();
  private readonly o: DriverOptions;
  private readonly spends = new Map<string, { ev: Ev; inputs: Coin[] }>();
  private depositRef = 0;
  private nextEv = 0;

  constructor(o: DriverOptions) {
    this.o = o;
    for (let i = 0; i < o.evCount; i++) {
      this.evs.push({ account: generateKeyPair(), leag: i % o.leagKeys.length, wallet: new Wallet() });
    }
  }

  private env() {
    return { chainId: this.o.genesis.chainId };
  }

  private async send(leag: number, txs: Tx[]): Promise<void> {
    if (txs.length === 0) return;
    const now = performance.now();
    const res = await this.o.clients[leag]!.submitBatch(txs);
    res.results.forEach((r, i) => {
      const id = toHex(txId(txs[i]!));
      if (r.accepted) {
        this.submitted++;
        this.submittedAt.set(id, now);
      } else {
        const code = r.error?.code ?? 'unknown';
        this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
        this.spends.delete(id);
      }
    });
  }

  /** RA registrations for every EV, through the EV's own LEAG. */
  async registerAll(): Promise<string[]> {
    const byLeag = new Map<number, Tx[]>();
    const ids: string[] = [];
    for (const ev of this.evs) {
      const tx = registerEvTx(this.env(), this.o.ra, ev.account, this.o.leagKeys[ev.leag]!.publicKey);
      ids.push(toHex(txId(tx)));
      byLeag.set(ev.leag, [...(byLeag.get(ev.leag) ?? []), tx]);
    }
    for (const [leag, txs] of byLeag) await this.send(leag, txs);
    return ids;
  }

  /** Each LEAG's account server credits its EVs' fresh wallet addresses. */
  async depositAll(height: number, amount: number): Promise<string[]> {
    const window = windowOf(height + 1, this.o.genesis);
    const ids: string[] = [];
    for (const ev of this.evs) {
      const coins: Coin[] = [];
      const outputs = [];
      for (let i = 0; i < this.o.coinsPerEv; i++) {
        const { key, address } = ev.wallet.freshAddress();
        outputs.push({ address, amount });
        coins.push({ outpoint: { txId: new Uint8Array(32), index: i }, amount, key });
      }
      const leagKey = this.o.leagKeys[ev.leag]!;
      const tx = depositTx(this.env(), leagKey, window, ++this.depositRef, outputs);
      const id = txId(tx);
      const idHex = toHex(id);
      ids.push(idHex);
      ev.wallet.expect(
        idHex,
        coins.map((c) => ({ ...c, outpoint: { txId: id, index: c.outpoint.index } })),
      );
      await this.send(ev.leag, [tx]);
    }
    return ids;
  }

  async tariffs(fromWindow: number, count: number, retail: number, feedIn: number): Promise<void> {
    const txs = Array.from({ length: count }, (_, i) =>
      tariffTx(this.env(), this.o.grid, fromWindow + i, retail, feedIn),
    );
    await this.send(0, txs);
  }

  /** Up to `count` transfers from EVs with spendable coins, round-robin, each to a fresh address of another EV. */
  async transfers(count: number): Promise<number> {
    const byLeag = new Map<number, Tx[]>();
    let made = 0;
    for (let tries = 0; made < count && tries < this.evs.length; ) {
      const ev = this.evs[this.nextEv++ % this.evs.length]!;
      const coin = ev.wallet.take();
      if (!coin) {
        tries++;
        continue;
      }
      const to = this.evs[(this.nextEv + 7) % this.evs.length]!;
      const pay = Math.max(1, Math.floor(coin.amount / 3));
      const dest = to.wallet.freshAddress();
      const change = ev.wallet.freshAddress();
      const outputs =
        coin.amount - pay > 0
          ? [
              { address: dest.address, amount: pay },
              { address: change.address, amount: coin.amount - pay },
            ]
          : [{ address: dest.address, amount: pay }];
      const tx = transferTx(this.env(), [{ outpoint: coin.outpoint, key: coin.key }], outputs);
      const id = txId(tx);
      const idHex = toHex(id);
      to.wallet.expect(idHex, [{ outpoint: { txId: id, index: 0 }, amount: pay, key: dest.key }]);
      if (outputs.length > 1) {
        ev.wallet.expect(`${idHex}/change`, [
          { outpoint: { txId: id, index: 1 }, amount: coin.amount - pay, key: change.key },
        ]);
      }
      this.spends.set(idHex, { ev, inputs: [coin] });
      byLeag.set(ev.leag, [...(byLeag.get(ev.leag) ?? []), tx]);
      made++;
    }
    await Promise.all([...byLeag].map(([leag, txs]) => this.send(leag, txs)));
    return made;
  }

  /** Counts a transaction another driver (the market day) had accepted, so commit accounting covers it. */
  track(idHex: string): void {
    this.submitted++;
    this.submittedAt.set(idHex, performance.now());
  }

  /** Called for every committed transaction id (from the block event stream). */
  onCommitted(idHex: string, at: number): void {
    const t = this.submittedAt.get(idHex);
    if (t !== undefined) {
      this.latencies.push(at - t);
      this.submittedAt.delete(idHex);
    }
    for (const ev of this.evs) {
      ev.wallet.confirm(idHex);
      ev.wallet.confirm(`${idHex}/change`);
    }
    this.spends.delete(idHex);
  }

  static walletAddressHex(key: KeyPair): string {
    return toHex(walletAddress(key.publicKey));
  }
}
