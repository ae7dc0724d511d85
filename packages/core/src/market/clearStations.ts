import { sha256, utf8 } from '../crypto/hash.ts';
import { Keys } from '../state/keys.ts';
import { type TariffRecord, tariffCodec, utxoCodec } from '../state/records.ts';
import type { StateView } from '../state/stateView.ts';
import { type Ask, type Bid, clearWindow } from './clearWindow.ts';
import { isUntrustedIn } from './evReputation.ts';
import type { EvReputationParams } from './evReputationParams.ts';
import { readGridAccountFrom, writeGridAccount } from './gridAccount.ts';
import { type GridNeed, type GridOffer, tradeWithGrid } from './gridMatch.ts';
import { orderRecordCodec } from './orderRecord.ts';
import { reputationReader, type Station, stationsOf } from './windowOrders.ts';
import { windowResultCodec } from './windowResult.ts';

const RELEASE_TAG = utf8('v2g/escrow-release/v1');

/** The pseudo transaction whose output 0 returns a buy order's unneeded escrow at clearing. */
export function releaseTxId(orderId: Uint8Array): Uint8Array {
  return sha256(RELEASE_TAG, orderId);
}

/**
 * Clears window w at its closing height (DESIGN §6), per station in key
 * order: one call auction among the station's EVs, then the grid as the
 * counterparty of last resort for what is left (decision 0010), paid from
 * the grid account. Stores each order's matches and each station's result.
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
  for (const station of stations) {
    clearStation(view, window, station, tariff, { concessionSteps, reputationParams, reputation });
  }
}

interface ClearingContext {
  readonly concessionSteps: number;
  readonly reputationParams: EvReputationParams;
  readonly reputation: ReturnType<typeof reputationReader>;
}

function clearStation(
  view: StateView,
  window: number,
  station: Station,
  tariff: TariffRecord,
  { concessionSteps, reputationParams, reputation }: ClearingContext,
): void {
  const asks: Ask[] = [];
  const bids: Bid[] = [];
  let untrustedOrders = 0;
  for (const { idHex, order } of station.orders) {
    const rep = reputation(order.account);
    if (isUntrustedIn(rep, order.side === 'sell' ? 'seller' : 'buyer', reputationParams)) {
      untrustedOrders++;
      continue;
    }
    if (order.side === 'sell') {
      asks.push({
        id: idHex,
        energyWh: order.energyWh,
        expectedPrice: order.expectedPrice,
        minPrice: order.minPrice,
        reputationPpm: rep.es,
        seq: order.seq,
      });
    } else {
      bids.push({
        id: idHex,
        energyWh: order.energyWh,
        maxPrice: order.maxPrice,
        reputationPpm: rep.eb,
        seq: order.seq,
      });
    }
  }
  const clearing = clearWindow({ asks, bids }, tariff, concessionSteps);
  const matched = new Map<string, number>();
  for (const f of clearing.asks) matched.set(f.id, f.matchedWh);
  for (const f of clearing.bids) matched.set(f.id, f.matchedWh);

  const offers: GridOffer[] = asks.map((a) => ({ ...a, leftoverWh: a.energyWh - (matched.get(a.id) ?? 0) }));
  const needs: GridNeed[] = bids.map((b) => ({ ...b, leftoverWh: b.energyWh - (matched.get(b.id) ?? 0) }));
  const account = readGridAccountFrom(view);
  const grid = tradeWithGrid(offers, needs, tariff, account.balance);
  writeGridAccount(view, { balance: account.balance - grid.cost, reserved: account.reserved + grid.cost });

  let supplyWh = 0;
  let demandWh = 0;
  let released = 0;
  const price = clearing.price ?? 0;
  for (const { id, idHex, order } of station.orders) {
    const matchedWh = matched.get(idHex) ?? 0;
    const gridMatchedWh = grid.matched.get(idHex) ?? 0;
    let escrow = order.escrow;
    let release = 0;
    if (order.side === 'sell') supplyWh += order.energyWh;
    else {
      demandWh += order.energyWh;
      // The buyer pays at most matched × price plus grid energy at retail (escrow ≥ energy × max covers both):
      // the rest goes back now rather than at the settlement deadline; unmatched buyers get it all.
      escrow = matchedWh * price + gridMatchedWh * tariff.retailPrice;
      release = order.escrow - escrow;
      if (release > 0)
        view.write(utxoCodec, Keys.utxo(releaseTxId(id), 0), { address: order.address, amount: release });
      released += release;
    }
    view.write(orderRecordCodec, Keys.order(id), {
      ...order,
      cleared: true,
      matchedWh,
      gridMatchedWh,
      price,
      escrow,
      released: release,
    });
  }
  view.write(windowResultCodec, Keys.windowResult(window, station.leag), {
    window,
    leag: station.leag,
    retailPrice: tariff.retailPrice,
    feedInPrice: tariff.feedInPrice,
    price: clearing.price,
    low: clearing.low,
    high: clearing.high,
    step: clearing.step,
    sellOrders: asks.length,
    buyOrders: bids.length,
    untrustedOrders,
    supplyWh,
    demandWh,
    volumeWh: clearing.volumeWh,
    toGridWh: grid.toGridWh,
    fromGridWh: grid.fromGridWh,
    unmetWh: demandWh - clearing.volumeWh - grid.fromGridWh,
    released,
    gridReserved: grid.cost,
    settled: false,
    deliveredWh: 0,
    shortfallWh: 0,
    toGridDeliveredWh: 0,
    fromGridDeliveredWh: 0,
    paid: 0,
    refunded: 0,
    gridPaid: 0,
    gridReceived: 0,
  });
}
