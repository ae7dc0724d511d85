import { sha256, utf8 } from '../crypto/hash.ts';
import { Keys } from '../state/keys.ts';
import { type TariffRecord, tariffCodec, utxoCodec } from '../state/records.ts';
import type { StateView } from '../state/stateView.ts';
import { type CrossMatch, clearAcrossStations, wheelingFeeOf } from './clearAcrossStations.ts';
import { type Ask, type Bid, type Clearing, clearWindow } from './clearWindow.ts';
import { crossMatchRecordCodec } from './crossMatchRecord.ts';
import { isUntrustedIn } from './evReputation.ts';
import type { EvReputationParams } from './evReputationParams.ts';
import { readGridAccountFrom, writeGridAccount } from './gridAccount.ts';
import { type GridTrades, tradeWithGrid } from './gridMatch.ts';
import { orderRecordCodec } from './orderRecord.ts';
import { reputationReader, type Station, stationsOf } from './windowOrders.ts';
import { windowResultCodec } from './windowResult.ts';

const RELEASE_TAG = utf8('v2g/escrow-release/v1');

/** The pseudo transaction whose output 0 returns a buy order's unneeded escrow at clearing. */
export function releaseTxId(orderId: Uint8Array): Uint8Array {
  return sha256(RELEASE_TAG, orderId);
}

/** Stage 1 at one station: who took part, the auction, and what each order matched. */
interface LocalClearing {
  readonly station: Station;
  readonly leagHex: string;
  readonly asks: Ask[];
  readonly bids: Bid[];
  readonly clearing: Clearing;
  readonly matched: Map<string, number>;
  readonly untrustedOrders: number;
}

/** Per order id: energy matched across stations, and (buyers) what it costs, wheeling fees included. */
interface CrossTotals {
  readonly wh: Map<string, number>;
  readonly cost: Map<string, number>;
  /** Buyers: the wheeling fees in `cost`. */
  readonly fees: Map<string, number>;
}

/**
 * Clears window w at its closing height (DESIGN §6) in three stages:
 * 1. per station, one call auction among its EVs (0005);
 * 2. what is left clears across stations under the tariff's wheeling fees
 *    (decision 0015);
 * 3. per station in key order, the grid takes what is still left: surplus
 *    offered at feed-in, demand bidding retail, paid from the grid account
 *    (decision 0010).
 * An order whose account has fallen below R_min in the order's role since it
 * was accepted takes no part (decision 0008): orders can be placed for future
 * windows, and the gate must hold for them too.
 */
export function clearStations(
  view: StateView,
  window: number,
  concessionSteps: number,
  reputationParams: EvReputationParams,
): void {
  const stations = stationsOf(view, window);
  if (stations.length === 0) return;
  const tariff = view.read(tariffCodec, Keys.tariff(window));
  // Orders are only accepted once their window has a tariff (orderRules), and tariffs are never removed.
  if (!tariff) throw new Error(`state is inconsistent: window ${window} has orders but no tariff`);
  const reputation = reputationReader(view);
  const local = stations.map((station) => {
    const asks: Ask[] = [];
    const bids: Bid[] = [];
    let untrustedOrders = 0;
    for (const { idHex, order } of station.orders) {
      const rep = reputation(order.account);
      if (isUntrustedIn(rep, order.side === 'sell' ? 'seller' : 'buyer', reputationParams)) {
        untrustedOrders++;
        continue;
      }
      const common = { id: idHex, energyWh: order.energyWh, seq: order.seq };
      if (order.side === 'sell') {
        asks.push({
          ...common,
          expectedPrice: order.expectedPrice,
          minPrice: order.minPrice,
          reputationPpm: rep.es,
        });
      } else bids.push({ ...common, maxPrice: order.maxPrice, reputationPpm: rep.eb });
    }
    const clearing = clearWindow({ asks, bids }, tariff, concessionSteps);
    const matched = new Map<string, number>();
    for (const f of [...clearing.asks, ...clearing.bids]) matched.set(f.id, f.matchedWh);
    const leagHex = Buffer.from(station.leag).toString('hex');
    return { station, leagHex, asks, bids, clearing, matched, untrustedOrders };
  });

  const cross = crossStage(view, window, local, tariff);
  const account = readGridAccountFrom(view);
  let balance = account.balance;
  let reserved = account.reserved;
  for (const l of local) {
    const left = (o: { id: string; energyWh: number }) =>
      o.energyWh - (l.matched.get(o.id) ?? 0) - (cross.wh.get(o.id) ?? 0);
    const offers = l.asks.map((a) => ({ ...a, leftoverWh: left(a) }));
    const needs = l.bids.map((b) => ({ ...b, leftoverWh: left(b) }));
    const grid = tradeWithGrid(offers, needs, tariff, balance);
    balance -= grid.cost;
    reserved += grid.cost;
    writeStation(view, window, tariff, l, cross, grid);
  }
  writeGridAccount(view, { balance, reserved });
}

/** Stage 2: leftovers of every station clear across stations; the matches are stored until settlement. */
function crossStage(
  view: StateView,
  window: number,
  local: readonly LocalClearing[],
  tariff: TariffRecord,
): CrossTotals {
  const ids = new Map<string, { id: Uint8Array; leag: Uint8Array }>();
  for (const l of local)
    for (const o of l.station.orders) ids.set(o.idHex, { id: o.id, leag: l.station.leag });
  const left = (l: LocalClearing, o: { id: string; energyWh: number }) =>
    o.energyWh - (l.matched.get(o.id) ?? 0);
  const matches: CrossMatch[] = clearAcrossStations(
    local.flatMap((l) =>
      l.asks.map((a) => ({
        ...a,
        station: l.leagHex,
        leftoverWh: left(l, a),
        floor: Math.max(a.minPrice, tariff.feedInPrice),
      })),
    ),
    local.flatMap((l) =>
      l.bids.map((b) => ({
        ...b,
        station: l.leagHex,
        leftoverWh: left(l, b),
        limit: Math.min(b.maxPrice, tariff.retailPrice),
      })),
    ),
    wheelingFeeOf(tariff),
  );
  const wh = new Map<string, number>();
  const cost = new Map<string, number>();
  const fees = new Map<string, number>();
  const add = (m: Map<string, number>, id: string, x: number) => m.set(id, (m.get(id) ?? 0) + x);
  for (const m of matches) {
    const ask = ids.get(m.askId)!;
    const bid = ids.get(m.bidId)!;
    add(wh, m.askId, m.energyWh);
    add(wh, m.bidId, m.energyWh);
    add(cost, m.bidId, m.energyWh * (m.price + m.fee));
    add(fees, m.bidId, m.energyWh * m.fee);
    view.write(crossMatchRecordCodec, Keys.crossMatch(window, ask.id, bid.id), {
      ask: ask.id,
      bid: bid.id,
      sellerLeag: ask.leag,
      buyerLeag: bid.leag,
      energyWh: m.energyWh,
      price: m.price,
      fee: m.fee,
    });
  }
  return { wh, cost, fees };
}

/** Each order's matches, escrow released at clearing, and the station's result. */
function writeStation(
  view: StateView,
  window: number,
  tariff: TariffRecord,
  l: LocalClearing,
  cross: CrossTotals,
  grid: GridTrades,
): void {
  let supplyWh = 0;
  let demandWh = 0;
  let released = 0;
  let crossOutWh = 0;
  let crossInWh = 0;
  let wheelingFees = 0;
  const price = l.clearing.price ?? 0;
  for (const { id, idHex, order } of l.station.orders) {
    const matchedWh = l.matched.get(idHex) ?? 0;
    const crossMatchedWh = cross.wh.get(idHex) ?? 0;
    const gridMatchedWh = grid.matched.get(idHex) ?? 0;
    let escrow = order.escrow;
    let release = 0;
    if (order.side === 'sell') {
      supplyWh += order.energyWh;
      crossOutWh += crossMatchedWh;
    } else {
      demandWh += order.energyWh;
      crossInWh += crossMatchedWh;
      const crossCost = cross.cost.get(idHex) ?? 0;
      // Each Wh costs at most the buyer's maximum (the price here, price + fee across stations, retail from
      // the grid), so escrow ≥ energy × max covers all of it; the rest goes back now, not at the deadline.
      escrow = matchedWh * price + crossCost + gridMatchedWh * tariff.retailPrice;
      wheelingFees += cross.fees.get(idHex) ?? 0;
      release = order.escrow - escrow;
      if (release > 0)
        view.write(utxoCodec, Keys.utxo(releaseTxId(id), 0), { address: order.address, amount: release });
      released += release;
    }
    view.write(orderRecordCodec, Keys.order(id), {
      ...order,
      cleared: true,
      matchedWh,
      crossMatchedWh,
      gridMatchedWh,
      price,
      escrow,
      released: release,
    });
  }
  view.write(windowResultCodec, Keys.windowResult(window, l.station.leag), {
    window,
    leag: l.station.leag,
    retailPrice: tariff.retailPrice,
    feedInPrice: tariff.feedInPrice,
    price: l.clearing.price,
    low: l.clearing.low,
    high: l.clearing.high,
    step: l.clearing.step,
    sellOrders: l.asks.length,
    buyOrders: l.bids.length,
    untrustedOrders: l.untrustedOrders,
    supplyWh,
    demandWh,
    volumeWh: l.clearing.volumeWh,
    crossOutWh,
    crossInWh,
    wheelingFees,
    toGridWh: grid.toGridWh,
    fromGridWh: grid.fromGridWh,
    unmetWh: demandWh - l.clearing.volumeWh - crossInWh - grid.fromGridWh,
    released,
    gridReserved: grid.cost,
    settled: false,
    deliveredWh: 0,
    shortfallWh: 0,
    crossOutDeliveredWh: 0,
    crossInDeliveredWh: 0,
    wheelingPaid: 0,
    toGridDeliveredWh: 0,
    fromGridDeliveredWh: 0,
    paid: 0,
    refunded: 0,
    gridPaid: 0,
    gridReceived: 0,
  });
}
