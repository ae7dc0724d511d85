import { sha256, utf8 } from '../crypto/hash.ts';
import type { Genesis } from '../genesis/genesis.ts';
import { windowOf } from '../ledger/window.ts';
import { Keys } from '../state/keys.ts';
import { evAccountCodec, utxoCodec } from '../state/records.ts';
import type { StateView } from '../state/stateView.ts';
import { recordTrade } from './evReputation.ts';
import { readGridAccountFrom, writeGridAccount } from './gridAccount.ts';
import { settlementRecordCodec } from './settlementRecord.ts';
import { reputationReader, type Station, type StoredOrder, stationsOf } from './windowOrders.ts';
import { windowResultCodec } from './windowResult.ts';

const SETTLEMENT_TAG = utf8('v2g/settlement/v1');

/** Settlement records and window results are kept this many windows, then pruned (like spent outpoints). */
export const MARKET_RETENTION_WINDOWS = 1_000;

/** The pseudo transaction whose output 0 pays an order's settlement (seller payment or buyer refund). */
export function settlementTxId(orderId: Uint8Array): Uint8Array {
  return sha256(SETTLEMENT_TAG, orderId);
}

/**
 * Settles window w at its deadline (DESIGN §6): "a seller paid for energy
 * really delivered (meter), a buyer refunded escrow for energy not received".
 * Per station, at clearing price p, feed-in f and retail r, with each order's
 * reading (no reading: 0):
 * - seller j delivers first to its EV match, then to its grid match:
 *   ev_j = min(reading, matched), grid_j = min(reading − ev_j, gridMatched);
 *   it is paid ev_j·p from the buyers' escrow and grid_j·f from the grid's reserve;
 * - the EV-delivered total D is shared among matched buyers by standing
 *   (R_EB, order time, id): buyer i is charged e_i·p for its share e_i, and
 *   g_i·r for the grid energy it consumed, g_i = min(gridMatched, reading − e_i);
 *   the rest of its escrow goes back (its EV shortfall matched − e_i is refunded);
 * - the grid's reserve for the station returns to its balance less what it
 *   paid, and what buyers paid for grid energy is credited (decision 0010);
 * so Σ e_i·p = D·p = Σ ev_j·p, and escrow, reserve and balance are conserved.
 * Then each matched order moves its account's reputation (ES-1/ES-2/EB-1/EB-2
 * on its whole match, EV and grid; a missing reading is a failure), and the
 * window's orders are pruned.
 */
export function settleWindow(view: StateView, window: number, height: number, genesis: Genesis): void {
  for (const station of stationsOf(view, window)) settleStation(view, window, station, height, genesis);
  pruneOld(view, window - MARKET_RETENTION_WINDOWS);
}

interface Outcome {
  evWh: number;
  gridWh: number;
  charged: number;
  gridAmount: number;
  amount: number;
  shortfallWh: number;
}

function settleStation(
  view: StateView,
  window: number,
  station: Station,
  height: number,
  genesis: Genesis,
): void {
  const resultKey = Keys.windowResult(window, station.leag);
  const result = view.read(windowResultCodec, resultKey);
  const price = result?.price ?? 0;
  const feedIn = result?.feedInPrice ?? 0;
  const retail = result?.retailPrice ?? 0;
  const outcomes = new Map<string, Outcome>();
  let delivered = 0;
  let toGridDelivered = 0;
  let paid = 0;
  let gridPaid = 0;
  const buyers: StoredOrder[] = [];
  for (const o of station.orders) {
    if (o.order.side === 'buy') {
      buyers.push(o);
      continue;
    }
    const reading = o.order.meteredWh ?? 0;
    const ev = Math.min(reading, o.order.matchedWh);
    const grid = Math.min(reading - ev, o.order.gridMatchedWh);
    delivered += ev;
    toGridDelivered += grid;
    paid += ev * price;
    gridPaid += grid * feedIn;
    outcomes.set(o.idHex, {
      evWh: ev,
      gridWh: grid,
      charged: 0,
      gridAmount: grid * feedIn,
      amount: ev * price + grid * feedIn,
      shortfallWh: o.order.matchedWh + o.order.gridMatchedWh - ev - grid,
    });
  }

  const reputation = reputationReader(view);
  buyers.sort((x, y) => {
    const rx = reputation(x.order.account).eb;
    const ry = reputation(y.order.account).eb;
    if (rx !== ry) return ry - rx;
    if (x.order.seq !== y.order.seq) return x.order.seq - y.order.seq;
    return x.idHex < y.idHex ? -1 : x.idHex > y.idHex ? 1 : 0;
  });
  let left = delivered;
  let refunded = 0;
  let fromGridDelivered = 0;
  let gridReceived = 0;
  for (const o of buyers) {
    const fromEvs = Math.min(left, o.order.matchedWh);
    left -= fromEvs;
    const grid = Math.min(o.order.gridMatchedWh, Math.max(0, (o.order.meteredWh ?? 0) - fromEvs));
    const charged = fromEvs * price + grid * retail;
    const refund = o.order.escrow - charged;
    refunded += refund;
    fromGridDelivered += grid;
    gridReceived += grid * retail;
    outcomes.set(o.idHex, {
      evWh: fromEvs,
      gridWh: grid,
      charged,
      gridAmount: grid * retail,
      amount: refund,
      shortfallWh: o.order.matchedWh - fromEvs,
    });
  }

  const params = genesis.params.evReputation;
  for (const { id, idHex, order } of station.orders) {
    const out = outcomes.get(idHex)!;
    if (out.amount > 0) {
      view.write(utxoCodec, Keys.utxo(settlementTxId(id), 0), { address: order.address, amount: out.amount });
    }
    const total = order.matchedWh + order.gridMatchedWh;
    const metered = Math.min(order.meteredWh ?? 0, total);
    if (total > 0) {
      const key = Keys.ev(order.account);
      const account = view.read(evAccountCodec, key);
      if (account) {
        const trade = {
          role: order.side === 'sell' ? ('seller' as const) : ('buyer' as const),
          matchedWh: total,
          meteredWh: metered,
          window: windowOf(height, genesis),
          registeredWindow: windowOf(Math.max(1, account.registeredAt), genesis),
        };
        view.write(evAccountCodec, key, {
          ...account,
          reputation: recordTrade(account.reputation, trade, params),
        });
      }
    }
    view.write(settlementRecordCodec, Keys.settledOrder(window, id), {
      side: order.side,
      account: order.account,
      leag: order.leag,
      window,
      energyWh: order.energyWh,
      matchedWh: order.matchedWh,
      gridMatchedWh: order.gridMatchedWh,
      meteredWh: order.meteredWh,
      price,
      ...out,
      released: order.released,
      success: total > 0 && metered >= total,
      payTo: order.address,
      settledAt: height,
    });
    view.delete(Keys.order(id));
    view.delete(Keys.windowOrder(window, id));
  }

  if (!result) return;
  const account = readGridAccountFrom(view);
  writeGridAccount(view, {
    balance: account.balance + result.gridReserved - gridPaid + gridReceived,
    reserved: account.reserved - result.gridReserved,
  });
  view.write(windowResultCodec, resultKey, {
    ...result,
    settled: true,
    deliveredWh: delivered,
    shortfallWh: result.volumeWh - delivered,
    toGridDeliveredWh: toGridDelivered,
    fromGridDeliveredWh: fromGridDelivered,
    paid,
    refunded,
    gridPaid,
    gridReceived,
  });
}

/** Drops the settlement records and window results of a window past retention. */
function pruneOld(view: StateView, window: number): void {
  if (window < 0) return;
  for (const bucket of [Keys.settledOrders(window), Keys.windowResults(window)]) {
    for (const [key] of view.scan(bucket)) view.delete(key);
  }
}
