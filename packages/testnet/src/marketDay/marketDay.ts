import type { NodeClient, TxEnvelope } from '@v2g/client';
import { type Genesis, generateKeyPair, type KeyPair, windowCloseHeight, windowOf } from '@v2g/core';
import { createDayEvs, type DayEv } from './dayEvs.ts';
import { DayOrders } from './dayOrders.ts';
import { setUpDay } from './daySetup.ts';
import { DaySubmissions } from './daySubmissions.ts';
import { DayWindows } from './dayWindows.ts';
import { buildMarketReport, reputationRows } from './marketDayReport.ts';
import type { MarketReport } from './marketReport.ts';

export interface MarketDayOptions {
  readonly genesis: Genesis;
  readonly ra: KeyPair;
  readonly grid: KeyPair;
  readonly leagKeys: readonly KeyPair[];
  readonly clients: readonly NodeClient[];
  readonly evCount: number;
  /** Share of EVs (0..1) that sell and then deliver nothing or too little. */
  readonly dishonestShare: number;
  readonly seed: number;
  /** Windows to publish tariffs for. */
  readonly windows: number;
  /** Told of every transaction the API accepted, so the testnet's commit accounting includes them. */
  readonly onAccepted: (idHex: string) => void;
  readonly log: (line: string) => void;
}

/**
 * The testnet's realistic day (DESIGN §8): the grid operator publishes a
 * tariff per window, EVs with batteries and needs (from the seed) buy, sell or
 * idle each window through their LEAG's API, every LEAG's meter reports what
 * was really delivered after clearing — a share of EVs deliver nothing or too
 * little — and settlement moves their reputation until their orders are
 * refused as `untrusted`. Reads go to LEAG 0, whose block events drive it.
 *
 * The parts: the EVs (dayEvs.ts), the setup (daySetup.ts), the orders of each
 * window (dayOrders.ts), each window after clearing and settlement
 * (dayWindows.ts), and what was submitted until it commits (daySubmissions.ts).
 */
export class MarketDay {
  readonly evs: DayEv[];
  private readonly o: MarketDayOptions;
  private readonly env: TxEnvelope;
  private readonly meters: KeyPair[];
  private readonly submissions: DaySubmissions;
  private readonly orders: DayOrders;
  private readonly windows: DayWindows;
  private height = 0;

  constructor(o: MarketDayOptions) {
    this.o = o;
    this.env = { chainId: o.genesis.chainId };
    this.evs = createDayEvs({
      evCount: o.evCount,
      dishonestShare: o.dishonestShare,
      seed: o.seed,
      leags: o.leagKeys.length,
    });
    this.meters = o.leagKeys.map(() => generateKeyPair());
    this.submissions = new DaySubmissions(o.clients, o.onAccepted);
    this.orders = new DayOrders({
      env: this.env,
      leagKeys: o.leagKeys,
      clients: o.clients,
      submissions: this.submissions,
      onAccepted: o.onAccepted,
    });
    this.windows = new DayWindows({
      env: this.env,
      leagKeys: o.leagKeys,
      clients: o.clients,
      evs: this.evs,
      meters: this.meters,
      orders: this.orders,
      onAccepted: o.onAccepted,
    });
  }

  private get params() {
    return this.o.genesis.params.market;
  }

  /** Block events from LEAG 0: the day's clock, and its commits. */
  onBlock(height: number, txIds: readonly string[]): void {
    this.height = Math.max(this.height, height);
    for (const idHex of txIds) {
      this.submissions.committed(idHex);
      this.orders.committed(idHex);
    }
  }

  /**
   * Runs the day until `done()`: the setup (tariffs, registrations, meters,
   * deposits), then orders every window. After `done()` no more orders go in,
   * but windows already ordered are still metered and followed to their
   * settlement, for at most `drainMs`.
   */
  async run(done: () => boolean, drainMs: number): Promise<void> {
    const current = await this.o.clients[0]!.marketCurrent();
    this.height = Math.max(this.height, current.height);
    await setUpDay(
      {
        env: this.env,
        ra: this.o.ra,
        grid: this.o.grid,
        leagKeys: this.o.leagKeys,
        clients: this.o.clients,
        evs: this.evs,
        meters: this.meters,
        fromWindow: current.window,
        windows: this.o.windows,
        submissions: this.submissions,
        log: this.o.log,
      },
      done,
    );
    let placedFor = -1;
    const toClear = new Set<number>();
    const toSettle = new Set<number>();
    let drainUntil = Number.POSITIVE_INFINITY;
    while (performance.now() < drainUntil && (toClear.size > 0 || toSettle.size > 0 || !done())) {
      if (done() && drainUntil === Number.POSITIVE_INFINITY) drainUntil = performance.now() + drainMs;
      const open = windowOf(this.height + 1, this.o.genesis);
      // Orders go in for the next window, so a whole window of blocks is left for them to commit.
      if (!done() && open + 1 > placedFor && open + 1 < this.o.windows) {
        placedFor = open + 1;
        await this.orders.place(placedFor, this.evs, this.windows.line(placedFor));
        toClear.add(placedFor);
      }
      for (const w of [...toClear].sort((a, b) => a - b)) {
        if (this.height < windowCloseHeight(w, this.o.genesis)) break;
        toClear.delete(w);
        await this.windows
          .onCleared(w)
          .catch((err: unknown) => this.o.log(`market: window ${w}: ${String(err)}`));
        toSettle.add(w);
      }
      for (const w of [...toSettle].sort((a, b) => a - b)) {
        if (this.height < windowCloseHeight(w + this.params.settlementWindows, this.o.genesis)) break;
        toSettle.delete(w);
        await this.windows
          .onSettled(w)
          .catch((err: unknown) => this.o.log(`market: window ${w}: ${String(err)}`));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** One line for the live progress output. */
  progress(): string {
    const w = windowOf(this.height + 1, this.o.genesis);
    return `market window ${w}: ${this.orders.summary().accepted} orders, ${this.windows.readingsSubmitted} readings, ${this.orders.untrusted} refused as untrusted`;
  }

  async report(): Promise<MarketReport> {
    return buildMarketReport(this.evs, await reputationRows(this.o.clients[0]!), {
      seed: this.o.seed,
      stations: this.o.leagKeys.length,
      windows: this.windows.allLines(),
      reputationByWindow: this.windows.reputationByWindow,
      orders: this.orders.summary(),
      readings: this.windows.readingsSummary(),
      untrustedRefusals: this.orders.untrusted,
    });
  }
}
