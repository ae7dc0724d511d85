import { buyOrderTx, depositTx, registerEvTx, sellOrderTx, tariffTx } from '@v2g/client';
import {
  type KeyPair,
  keyPairFromSeed,
  type Outpoint,
  sha256,
  type Tx,
  txId,
  utf8,
  walletAddress,
} from '@v2g/core';
import { seededRandom, tariffOf } from '../marketDay/dayProfile.ts';

/** What a buyer's coin holds: more than its largest escrow (10 kWh at the highest retail price). */
const COIN_AMOUNT = 5_000_000;
const OUTPUTS_PER_DEPOSIT = 64;

interface BurstEv {
  readonly account: KeyPair;
  /** Index of the LEAG (station) it is registered at and orders through. */
  readonly leag: number;
  readonly side: 'sell' | 'buy';
  /** A buyer's coin, once its deposit is built. */
  coin?: { outpoint: Outpoint; key: KeyPair };
}

export interface BurstOrder {
  readonly leag: number;
  readonly id: string;
  readonly tx: Tx;
}

/**
 * The EVs of the window-close burst: `count` distinct accounts spread over
 * the stations (EV i at LEAG i mod N, as in the testnet's market day), half
 * selling and half buying. Keys and terms come from the seed, so runs
 * compare; every transaction is built by the client's builders.
 */
export class BurstPopulation {
  readonly evs: BurstEv[] = [];
  private readonly env: { chainId: string };
  private readonly leagKeys: readonly KeyPair[];

  constructor(chainId: string, leagKeys: readonly KeyPair[], count: number) {
    this.env = { chainId };
    this.leagKeys = leagKeys;
    for (let i = 0; i < count; i++) {
      this.evs.push({
        account: keyPairFromSeed(sha256(utf8(`burst-ev-${i}`))),
        leag: i % leagKeys.length,
        side: i % 2 === 0 ? 'sell' : 'buy',
      });
    }
  }

  /** The grid operator's tariffs for windows `from` .. `to`. */
  tariffs(grid: KeyPair, from: number, to: number): Tx[] {
    const txs: Tx[] = [];
    for (let w = from; w <= to; w++) {
      const t = tariffOf(w);
      txs.push(tariffTx(this.env, grid, w, t.retailPrice, t.feedInPrice, { fee: t.wheelingFee }));
    }
    return txs;
  }

  /** The RA registers every EV at its station, grouped by station. */
  registrations(ra: KeyPair): Tx[][] {
    const byLeag = this.leagKeys.map((): Tx[] => []);
    for (const ev of this.evs) {
      byLeag[ev.leag]!.push(registerEvTx(this.env, ra, ev.account, this.leagKeys[ev.leag]!.publicKey));
    }
    return byLeag;
  }

  /** Each station's account server credits one coin to each of its buyers, in window `window`. */
  deposits(window: number, firstReference: number): Tx[][] {
    const byLeag = this.leagKeys.map((): Tx[] => []);
    this.leagKeys.forEach((leagKey, leag) => {
      const buyers = this.evs.filter((ev) => ev.side === 'buy' && ev.leag === leag);
      for (let d = 0; d * OUTPUTS_PER_DEPOSIT < buyers.length; d++) {
        const group = buyers.slice(d * OUTPUTS_PER_DEPOSIT, (d + 1) * OUTPUTS_PER_DEPOSIT);
        const keys = group.map((ev) => keyPairFromSeed(sha256(ev.account.publicKey, utf8('coin'))));
        const outputs = keys.map((k) => ({ address: walletAddress(k.publicKey), amount: COIN_AMOUNT }));
        const tx = depositTx(this.env, leagKey, window, firstReference + d, outputs);
        const id = txId(tx);
        group.forEach((ev, index) => {
          ev.coin = { outpoint: { txId: id, index }, key: keys[index]! };
        });
        byLeag[leag]!.push(tx);
      }
    });
    return byLeag;
  }

  /**
   * One order per EV for `window`, within its tariff: sellers ask between the
   * middle and the top of the band with a floor at or above feed-in, buyers
   * bid between feed-in and retail and escrow energy × bid from their coin.
   */
  orders(window: number, seed: number): BurstOrder[] {
    const random = seededRandom(seed);
    const { retailPrice: retail, feedInPrice: feedIn } = tariffOf(window);
    const between = (share: number) => feedIn + Math.round((retail - feedIn) * share);
    return this.evs.map((ev, i) => {
      const leag = this.leagKeys[ev.leag]!.publicKey;
      const energyWh = 1000 * (1 + Math.floor(random() * 10));
      const destination = walletAddress(sha256(utf8(`burst-destination-${i}`)));
      let tx: Tx;
      if (ev.side === 'sell') {
        const expectedPrice = between(0.5 + 0.5 * random());
        tx = sellOrderTx(this.env, ev.account, {
          leag,
          window,
          energyWh,
          expectedPrice,
          minPrice: between(0.5 * random()),
          payout: destination,
        });
      } else {
        const coin = ev.coin;
        if (!coin) throw new Error('a buyer without a coin: build the deposits first');
        const maxPrice = between(random());
        const escrow = energyWh * maxPrice;
        const change = COIN_AMOUNT - escrow;
        tx = buyOrderTx(
          this.env,
          ev.account,
          { leag, window, energyWh, maxPrice, refund: destination },
          [coin],
          change > 0 ? [{ address: destination, amount: change }] : [],
        );
      }
      return { leag: ev.leag, id: Buffer.from(txId(tx)).toString('hex'), tx };
    });
  }
}
