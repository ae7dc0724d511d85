import {
  ApiRequestError,
  buyOrderTx,
  depositTx,
  type MarketWindow,
  meterReadingTx,
  type NodeClient,
  registerEvTx,
  registerMeterTx,
  sellOrderTx,
  tariffTx,
} from '@v2g/client';
import {
  fromHex,
  type Genesis,
  generateKeyPair,
  type KeyPair,
  releaseTxId,
  settlementTxId,
  type Tx,
  toHex,
  txId,
  walletAddress,
  windowCloseHeight,
  windowOf,
} from '@v2g/core';
import { type Coin, Wallet } from '../wallet.ts';
import { hourOf, seededRandom, tariffOf } from './dayProfile.ts';
import { buildMarketReport, reputationRows, scoresOf, stationLineOf } from './marketDayReport.ts';
import { type EvKind, MarketEv } from './marketEv.ts';
import { fundGridAccount } from './marketFunding.ts';
import type { MarketReport, WindowLine } from './marketReport.ts';

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

interface DayEv {
  readonly name: string;
  readonly account: KeyPair;
  readonly leag: number;
  readonly kind: EvKind;
  readonly model: MarketEv;
  readonly wallet: Wallet;
  readonly refused: Map<string, number>;
}

interface PlacedOrder {
  readonly ev: DayEv;
  readonly window: number;
  readonly side: 'sell' | 'buy';
  readonly energyWh: number;
  /** Key of the payout (sell) or refund (buy) address. */
  readonly key: KeyPair;
  committed: boolean;
}

const COINS_PER_EV = 8;
/** What the grid operator puts in its account: far more than a day of surplus at feed-in. */
const GRID_FUNDS = 10_000_000_000;
const COIN_AMOUNT = 20_000_000;
const PAGE = 500;

const count = (m: Map<string, number>, code: string) => m.set(code, (m.get(code) ?? 0) + 1);

/**
 * The testnet's realistic day (DESIGN §8): the grid operator publishes a
 * tariff per window, EVs with batteries and needs (from the seed) buy, sell or
 * idle each window through their LEAG's API, every LEAG's meter reports what
 * was really delivered after clearing — a share of EVs deliver nothing or too
 * little — and settlement moves their reputation until their orders are
 * refused as `untrusted`. Reads go to LEAG 0, whose block events drive it.
 */
export class MarketDay {
  readonly evs: DayEv[] = [];
  private readonly o: MarketDayOptions;
  private readonly meters: KeyPair[];
  private readonly orders = new Map<string, PlacedOrder>();
  /** Transactions whose commit releases coins to an EV: deposits and buy-order change. */
  private readonly owners = new Map<string, DayEv>();
  private readonly awaiting = new Set<string>();
  private readonly windows = new Map<number, WindowLine>();
  private readonly orderRefusals = new Map<string, number>();
  private readonly reputationByWindow: MarketReport['reputationByWindow'] = [];
  private readonly readingRefusals = new Map<string, number>();
  private placed = 0;
  private accepted = 0;
  private committedOrders = 0;
  private readings = 0;
  private unfunded = 0;
  private height = 0;
  /** Deposit references are unique per LEAG; the transfer driver counts up from 1. */
  private depositRef = 1_000_000;

  constructor(o: MarketDayOptions) {
    this.o = o;
    const random = seededRandom(o.seed);
    const dishonestCount = Math.min(o.evCount, Math.round(o.evCount * o.dishonestShare));
    // Spread over the EVs and, by the +k shift, over the stations (EV i trades at LEAG i mod N):
    // a station with only dishonest sellers and no buyers would never see them fail.
    const dishonest = new Set<number>();
    for (let k = 0; k < dishonestCount; k++) {
      let i = (Math.floor((k * o.evCount) / dishonestCount) + k) % o.evCount;
      while (dishonest.has(i)) i = (i + 1) % o.evCount;
      dishonest.add(i);
    }
    // The dishonest kinds take turns, so a run with three or more dishonest EVs has each kind.
    const kinds: EvKind[] = ['failing-seller', 'mixed', 'no-show-buyer'];
    const kindOf = new Map([...dishonest].sort((a, b) => a - b).map((i, k) => [i, kinds[k % kinds.length]!]));
    for (let i = 0; i < o.evCount; i++) {
      const kind = kindOf.get(i) ?? 'honest';
      this.evs.push({
        name: `ev-${String(i).padStart(2, '0')}${kind === 'honest' ? '' : '*'}`,
        account: generateKeyPair(),
        leag: i % o.leagKeys.length,
        kind,
        model: new MarketEv(random, kind),
        wallet: new Wallet(),
        refused: new Map(),
      });
    }
    this.meters = o.leagKeys.map(() => generateKeyPair());
  }

  private env() {
    return { chainId: this.o.genesis.chainId };
  }

  private get params() {
    return this.o.genesis.params.market;
  }

  /** Block events from LEAG 0: the day's clock, and its commits. */
  onBlock(height: number, txIds: readonly string[]): void {
    this.height = Math.max(this.height, height);
    for (const idHex of txIds) {
      this.awaiting.delete(idHex);
      const order = this.orders.get(idHex);
      if (order && !order.committed) {
        order.committed = true;
        this.committedOrders++;
      }
      const owner = this.owners.get(idHex);
      if (owner) {
        this.owners.delete(idHex);
        owner.wallet.confirm(idHex);
        owner.wallet.confirm(`${idHex}/change`);
      }
    }
  }

  /**
   * Runs the day until `done()`: the setup (tariffs, registrations, meters,
   * deposits), then orders every window. After `done()` no more orders go in,
   * but windows already ordered are still metered and followed to their
   * settlement, for at most `drainMs`.
   */
  async run(done: () => boolean, drainMs: number): Promise<void> {
    await this.setup(done);
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
        await this.placeOrders(placedFor);
        toClear.add(placedFor);
      }
      for (const w of [...toClear].sort((a, b) => a - b)) {
        if (this.height < windowCloseHeight(w, this.o.genesis)) break;
        toClear.delete(w);
        await this.onCleared(w).catch((err: unknown) => this.o.log(`market: window ${w}: ${String(err)}`));
        toSettle.add(w);
      }
      for (const w of [...toSettle].sort((a, b) => a - b)) {
        if (this.height < windowCloseHeight(w + this.params.settlementWindows, this.o.genesis)) break;
        toSettle.delete(w);
        await this.onSettled(w).catch((err: unknown) => this.o.log(`market: window ${w}: ${String(err)}`));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async setup(done: () => boolean): Promise<void> {
    const c0 = this.o.clients[0]!;
    const current = await c0.marketCurrent();
    this.height = Math.max(this.height, current.height);
    const tariffs: Tx[] = [];
    for (let w = current.window; w < this.o.windows; w++) {
      const t = tariffOf(w);
      tariffs.push(
        tariffTx(this.env(), this.o.grid, w, t.retailPrice, t.feedInPrice, { fee: t.wheelingFee }),
      );
    }
    await this.submitAll(0, tariffs);
    const byLeag = this.o.leagKeys.map((k, i) => [
      registerMeterTx(this.env(), this.o.ra, this.meters[i]!, k.publicKey),
      ...this.evs
        .filter((ev) => ev.leag === i)
        .map((ev) => registerEvTx(this.env(), this.o.ra, ev.account, k.publicKey)),
    ]);
    await Promise.all(byLeag.map((txs, i) => this.submitAll(i, txs)));
    await this.depositAll(done);
    await this.waitCommitted(done, 30_000);
    await fundGridAccount({
      env: this.env(),
      client: this.o.clients[0]!,
      leag: this.o.leagKeys[0]!,
      grid: this.o.grid,
      amount: GRID_FUNDS,
      reference: () => ++this.depositRef,
      submit: (txs) => this.submitAll(0, txs),
      settle: () => this.waitCommitted(done, 10_000),
      done,
    });
    this.o.log(
      `market: ${this.evs.length} EVs (${this.evs.filter((e) => e.model.profile.dishonest).length} dishonest), ${this.meters.length} meters, tariffs to window ${this.o.windows - 1}`,
    );
  }

  /** LEAG account servers credit each EV's one-time addresses; retried once if a window boundary got in the way. */
  private async depositAll(done: () => boolean): Promise<void> {
    for (let attempt = 0; attempt < 3 && !done(); attempt++) {
      const unfunded = this.evs.filter(
        (ev) => ev.wallet.spendable === 0 && ![...this.owners.values()].includes(ev),
      );
      if (unfunded.length === 0) return;
      // A deposit names the window it lands in; leave a few blocks of slack before the boundary.
      let cur = await this.o.clients[0]!.marketCurrent();
      for (let i = 0; i < 50 && cur.blocksLeft < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        cur = await this.o.clients[0]!.marketCurrent();
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
        const tx = depositTx(this.env(), this.o.leagKeys[ev.leag]!, cur.window, ++this.depositRef, outputs);
        const id = txId(tx);
        ev.wallet.expect(
          toHex(id),
          coins.map((c) => ({ ...c, outpoint: { txId: id, index: c.outpoint.index } })),
        );
        this.owners.set(toHex(id), ev);
        byLeag.set(ev.leag, [...(byLeag.get(ev.leag) ?? []), tx]);
      }
      await Promise.all([...byLeag].map(([leag, txs]) => this.submitAll(leag, txs)));
      await this.waitCommitted(done, 10_000);
      // Deposits still not committed were dropped (their window closed): forget them and retry.
      for (const [id, ev] of [...this.owners]) {
        if (ev.wallet.spendable === 0) this.owners.delete(id);
      }
    }
  }

  private async submitAll(leag: number, txs: Tx[]): Promise<void> {
    if (txs.length === 0) return;
    const res = await this.o.clients[leag]!.submitBatch(txs);
    res.results.forEach((r) => {
      if (!r.accepted || !r.id) return;
      this.awaiting.add(r.id);
      this.o.onAccepted(r.id);
    });
  }

  private async waitCommitted(done: () => boolean, timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (this.awaiting.size > 0 && performance.now() < until && !done()) {
      await new Promise((r) => setTimeout(r, 100));
    }
    this.awaiting.clear();
  }

  private line(w: number): WindowLine {
    let l = this.windows.get(w);
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
      this.windows.set(w, l);
    }
    return l;
  }

  private async placeOrders(w: number): Promise<void> {
    const tariff = tariffOf(w);
    const line = this.line(w);
    await Promise.all(
      this.evs.map(async (ev) => {
        if (ev.model.drive(w)) return;
        const intent = ev.model.decide(tariff, w);
        if (intent.side === 'idle') return;
        // A one-time address for the payout or refund (seed 2.2 step 1).
        const key = generateKeyPair();
        const destination = walletAddress(key.publicKey);
        const leag = this.o.leagKeys[ev.leag]!.publicKey;
        let tx: Tx;
        let inputs: Coin[] = [];
        if (intent.side === 'sell') {
          tx = sellOrderTx(this.env(), ev.account, {
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
            this.env(),
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
          await this.o.clients[ev.leag]!.submitMarket(tx);
        } catch (err) {
          const code = err instanceof ApiRequestError ? err.code : 'unreachable';
          count(this.orderRefusals, code);
          count(ev.refused, code);
          line.refused++;
          for (const c of inputs) ev.wallet.add(c);
          return;
        }
        this.accepted++;
        this.o.onAccepted(idHex);
        if (intent.side === 'sell') line.sellOrders++;
        else {
          line.buyOrders++;
          this.owners.set(idHex, ev);
        }
        this.orders.set(idHex, {
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

  /** Every order of a window, page by page (bounded). */
  private async windowOrders(w: number): Promise<{ result: MarketWindow; orders: MarketWindow['orders'] }> {
    const c0 = this.o.clients[0]!;
    let result = await c0.marketWindow(w, { limit: PAGE });
    const orders = [...result.orders];
    for (let i = 0; i < 1000 && result.next; i++) {
      result = await c0.marketWindow(w, { limit: PAGE, after: result.next });
      orders.push(...result.orders);
    }
    return { result, orders };
  }

  /** After clearing: escrow released to buyers, and each station's meter reports the matched orders. */
  private async onCleared(w: number): Promise<void> {
    const { result, orders } = await this.windowOrders(w);
    const line = this.line(w);
    line.stations = result.stations.map((s) => stationLineOf(s, this.stationIndex(s.leag), false));
    const readings = new Map<number, Tx[]>();
    for (const o of orders) {
      const placed = this.orders.get(o.id);
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
      const tx = meterReadingTx(this.env(), this.meters[leag]!, w, fromHex(o.id), metered);
      readings.set(leag, [...(readings.get(leag) ?? []), tx]);
    }
    await Promise.all(
      [...readings].map(async ([leag, txs]) => {
        for (const tx of txs) {
          try {
            const r = await this.o.clients[leag]!.submitMarket(tx);
            this.readings++;
            this.o.onAccepted(r.id);
          } catch (err) {
            count(this.readingRefusals, err instanceof ApiRequestError ? err.code : 'unreachable');
          }
        }
      }),
    );
  }

  /** After the settlement deadline: payments and refunds return to the EVs' wallets; every EV's reputation is noted. */
  private async onSettled(w: number): Promise<void> {
    const { result, orders } = await this.windowOrders(w);
    this.reputationByWindow.push({
      window: w,
      scores: scoresOf(this.evs, (await reputationRows(this.o.clients[0]!)).rows),
    });
    const line = this.line(w);
    line.settled = true;
    line.stations = result.stations.map((s) => stationLineOf(s, this.stationIndex(s.leag), true));
    for (const o of orders) {
      const placed = this.orders.get(o.id);
      if (!placed) continue;
      this.orders.delete(o.id);
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

  /** One line for the live progress output. */
  progress(): string {
    const w = windowOf(this.height + 1, this.o.genesis);
    const untrusted = this.orderRefusals.get('untrusted') ?? 0;
    return `market window ${w}: ${this.accepted} orders, ${this.readings} readings, ${untrusted} refused as untrusted`;
  }

  private stationIndex(leagHex: string): number {
    return this.o.leagKeys.findIndex((k) => toHex(k.publicKey) === leagHex);
  }

  async report(): Promise<MarketReport> {
    return buildMarketReport(this.evs, await reputationRows(this.o.clients[0]!), {
      seed: this.o.seed,
      stations: this.o.leagKeys.length,
      windows: [...this.windows.values()],
      reputationByWindow: this.reputationByWindow,
      orders: {
        placed: this.placed,
        accepted: this.accepted,
        committed: this.committedOrders,
        refused: Object.fromEntries(this.orderRefusals),
        unfunded: this.unfunded,
      },
      readings: { submitted: this.readings, refused: Object.fromEntries(this.readingRefusals) },
      untrustedRefusals: this.orderRefusals.get('untrusted') ?? 0,
    });
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
