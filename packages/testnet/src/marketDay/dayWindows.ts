import { type MarketWindow, meterReadingTx, type NodeClient, type TxEnvelope } from '@v2g/client';
import { fromHex, type KeyPair, releaseTxId, settlementTxId, type Tx, toHex } from '@v2g/core';
import type { DayEv } from './dayEvs.ts';
import type { DayOrders } from './dayOrders.ts';
import { hourOf, tariffOf } from './dayProfile.ts';
import { countCode, refusalCode } from './daySubmissions.ts';
import { reputationRows, scoresOf, stationLineOf } from './marketDayReport.ts';
import type { MarketReport, WindowLine } from './marketReport.ts';

const PAGE = 500;

export interface DayWindowsComponents {
  readonly env: TxEnvelope;
  readonly leagKeys: readonly KeyPair[];
  readonly clients: readonly NodeClient[];
  readonly evs: readonly DayEv[];
  /** One meter per station, LEAG i's at index i. */
  readonly meters: readonly KeyPair[];
  readonly orders: DayOrders;
  readonly onAccepted: (idHex: string) => void;
}

/**
 * Each window after it cleared and after it settled, read from LEAG 0: the
 * meters report what was delivered, released escrow, payments and refunds
 * return to the EVs' wallets, and the report gets a line per window and every
 * EV's reputation per settled window.
 */
export class DayWindows {
  private readonly c: DayWindowsComponents;
  private readonly lines = new Map<number, WindowLine>();
  private readonly readingRefusals = new Map<string, number>();
  readonly reputationByWindow: MarketReport['reputationByWindow'] = [];
  private readings = 0;

  constructor(c: DayWindowsComponents) {
    this.c = c;
  }

  /** The report's line of window `w`, started at its tariff. */
  line(w: number): WindowLine {
    let l = this.lines.get(w);
    if (!l) {
      const t = tariffOf(w);
      l = {
        window: w,
        hour: hourOf(w),
        retailPrice: t.retailPrice,
        feedInPrice: t.feedInPrice,
        sellOrders: 0,
        buyOrders: 0,
        refused: 0,
        stations: [],
        settled: false,
      };
      this.lines.set(w, l);
    }
    return l;
  }

  allLines(): WindowLine[] {
    return [...this.lines.values()];
  }

  /** Meter readings accepted so far. */
  get readingsSubmitted(): number {
    return this.readings;
  }

  readingsSummary(): MarketReport['readings'] {
    return { submitted: this.readings, refused: Object.fromEntries(this.readingRefusals) };
  }

  /** Every order of a window, page by page (bounded). */
  private async windowOrders(w: number): Promise<{ result: MarketWindow; orders: MarketWindow['orders'] }> {
    const c0 = this.c.clients[0]!;
    let result = await c0.marketWindow(w, { limit: PAGE });
    const orders = [...result.orders];
    for (let i = 0; i < 1000 && result.next; i++) {
      result = await c0.marketWindow(w, { limit: PAGE, after: result.next });
      orders.push(...result.orders);
    }
    return { result, orders };
  }

  /** After clearing: escrow released to buyers, and each station's meter reports the matched orders. */
  async onCleared(w: number): Promise<void> {
    const { result, orders } = await this.windowOrders(w);
    const line = this.line(w);
    line.stations = result.stations.map((s) => stationLineOf(s, this.stationIndex(s.leag), false));
    const readings = new Map<number, Tx[]>();
    for (const o of orders) {
      const placed = this.c.orders.get(o.id);
      if (!placed) continue;
      // What the meter reports on: the match here, across stations and with the grid (0010, 0015).
      const matchedWh = Number(o.matchedWh) + Number(o.crossMatchedWh ?? 0) + Number(o.gridMatchedWh ?? 0);
      const released = Number(o.released);
      if (released > 0) {
        placed.ev.wallet.add({
          outpoint: { txId: releaseTxId(fromHex(o.id)), index: 0 },
          amount: released,
          key: placed.key,
        });
      }
      const ev = placed.ev.model;
      if (matchedWh === 0) {
        // A buyer bidding below retail is not served on chain; off chain it charges at home.
        if (placed.side === 'buy') ev.settle('buy', placed.energyWh);
        continue;
      }
      const metered = ev.meter(placed.side, matchedWh);
      ev.settle(placed.side, placed.side === 'buy' ? placed.energyWh : metered);
      const leag = this.stationIndex(String(o.leag));
      const tx = meterReadingTx(this.c.env, this.c.meters[leag]!, w, fromHex(o.id), metered);
      readings.set(leag, [...(readings.get(leag) ?? []), tx]);
    }
    await Promise.all(
      [...readings].map(async ([leag, txs]) => {
        for (const tx of txs) {
          try {
            const r = await this.c.clients[leag]!.submitMarket(tx);
            this.readings++;
            this.c.onAccepted(r.id);
          } catch (err) {
            countCode(this.readingRefusals, refusalCode(err));
          }
        }
      }),
    );
  }

  /** After the settlement deadline: payments and refunds return to the EVs' wallets; every EV's reputation is noted. */
  async onSettled(w: number): Promise<void> {
    const { result, orders } = await this.windowOrders(w);
    this.reputationByWindow.push({
      window: w,
      scores: scoresOf(this.c.evs, (await reputationRows(this.c.clients[0]!)).rows),
    });
    const line = this.line(w);
    line.settled = true;
    line.stations = result.stations.map((s) => stationLineOf(s, this.stationIndex(s.leag), true));
    for (const o of orders) {
      const placed = this.c.orders.get(o.id);
      if (!placed) continue;
      this.c.orders.forget(o.id);
      const amount = Number(o.amount);
      if (amount > 0) {
        placed.ev.wallet.add({
          outpoint: { txId: settlementTxId(fromHex(o.id)), index: 0 },
          amount,
          key: placed.key,
        });
      }
    }
  }

  private stationIndex(leagHex: string): number {
    return this.c.leagKeys.findIndex((k) => toHex(k.publicKey) === leagHex);
  }
}
