import { buyOrderTx, type NodeClient, sellOrderTx, type TxEnvelope } from '@v2g/client';
import { generateKeyPair, type KeyPair, type Tx, toHex, txId, walletAddress } from '@v2g/core';
import type { Coin, Wallet } from '../wallet.ts';
import type { DayEv } from './dayEvs.ts';
import { tariffOf } from './dayProfile.ts';
import { countCode, type DaySubmissions, refusalCode } from './daySubmissions.ts';
import type { MarketReport, WindowLine } from './marketReport.ts';

/** An order the API accepted, until its window settles. */
export interface PlacedOrder {
  readonly ev: DayEv;
  readonly window: number;
  readonly side: 'sell' | 'buy';
  readonly energyWh: number;
  /** Key of the payout (sell) or refund (buy) address. */
  readonly key: KeyPair;
  committed: boolean;
}

export interface DayOrdersComponents {
  readonly env: TxEnvelope;
  readonly leagKeys: readonly KeyPair[];
  readonly clients: readonly NodeClient[];
  readonly submissions: DaySubmissions;
  readonly onAccepted: (idHex: string) => void;
}

/**
 * Each window, every EV that is home decides to sell, buy or idle at the
 * window's tariff, and its order goes to its station's LEAG; a buy order
 * escrows coins from the EV's wallet. Counts what was placed, accepted,
 * committed, refused (by code) and left unfunded.
 */
export class DayOrders {
  private readonly c: DayOrdersComponents;
  private readonly placedOrders = new Map<string, PlacedOrder>();
  private readonly refusals = new Map<string, number>();
  private placed = 0;
  private accepted = 0;
  private committedOrders = 0;
  private unfunded = 0;

  constructor(c: DayOrdersComponents) {
    this.c = c;
  }

  /** A transaction committed: counted if it was one of the day's orders. */
  committed(idHex: string): void {
    const order = this.placedOrders.get(idHex);
    if (order && !order.committed) {
      order.committed = true;
      this.committedOrders++;
    }
  }

  get(idHex: string): PlacedOrder | undefined {
    return this.placedOrders.get(idHex);
  }

  /** Its window settled: the order is done with. */
  forget(idHex: string): void {
    this.placedOrders.delete(idHex);
  }

  /** Orders refused as `untrusted`: the EV's reputation in the order's role was below R_min. */
  get untrusted(): number {
    return this.refusals.get('untrusted') ?? 0;
  }

  summary(): MarketReport['orders'] {
    return {
      placed: this.placed,
      accepted: this.accepted,
      committed: this.committedOrders,
      refused: Object.fromEntries(this.refusals),
      unfunded: this.unfunded,
    };
  }

  async place(w: number, evs: readonly DayEv[], line: WindowLine): Promise<void> {
    const tariff = tariffOf(w);
    await Promise.all(
      evs.map(async (ev) => {
        if (ev.model.drive(w)) return;
        const intent = ev.model.decide(tariff, w);
        if (intent.side === 'idle') return;
        // A one-time address for the payout or refund (seed 2.2 step 1).
        const key = generateKeyPair();
        const destination = walletAddress(key.publicKey);
        const leag = this.c.leagKeys[ev.leag]!.publicKey;
        let tx: Tx;
        let inputs: Coin[] = [];
        if (intent.side === 'sell') {
          tx = sellOrderTx(this.c.env, ev.account, {
            leag,
            window: w,
            energyWh: intent.energyWh,
            expectedPrice: intent.expectedPrice,
            minPrice: intent.minPrice,
            payout: destination,
          });
        } else {
          const escrow = intent.energyWh * intent.maxPrice;
          inputs = takeCoins(ev.wallet, escrow);
          if (inputs.length === 0) {
            this.unfunded++;
            return;
          }
          const held = inputs.reduce((s, c) => s + c.amount, 0);
          const change = held > escrow ? ev.wallet.freshAddress() : null;
          tx = buyOrderTx(
            this.c.env,
            ev.account,
            { leag, window: w, energyWh: intent.energyWh, maxPrice: intent.maxPrice, refund: destination },
            inputs.map((c) => ({ outpoint: c.outpoint, key: c.key })),
            change ? [{ address: change.address, amount: held - escrow }] : [],
          );
          if (change) {
            const id = txId(tx);
            ev.wallet.expect(`${toHex(id)}/change`, [
              { outpoint: { txId: id, index: 0 }, amount: held - escrow, key: change.key },
            ]);
          }
        }
        this.placed++;
        const idHex = toHex(txId(tx));
        try {
          await this.c.clients[ev.leag]!.submitMarket(tx);
        } catch (err) {
          const code = refusalCode(err);
          countCode(this.refusals, code);
          countCode(ev.refused, code);
          line.refused++;
          for (const c of inputs) ev.wallet.add(c);
          return;
        }
        this.accepted++;
        this.c.onAccepted(idHex);
        if (intent.side === 'sell') line.sellOrders++;
        else {
          line.buyOrders++;
          this.c.submissions.owners.set(idHex, ev);
        }
        this.placedOrders.set(idHex, {
          ev,
          window: w,
          side: intent.side,
          energyWh: intent.energyWh,
          key,
          committed: false,
        });
      }),
    );
  }
}

function takeCoins(wallet: Wallet, amount: number): Coin[] {
  const taken: Coin[] = [];
  let held = 0;
  for (let i = 0; i < 64 && held < amount; i++) {
    const c = wallet.take();
    if (!c) break;
    taken.push(c);
    held += c.amount;
  }
  if (held >= amount) return taken;
  for (const c of taken) wallet.add(c);
  return [];
}
