import { sha256, toHex, utf8 } from '../crypto/hash.ts';
import type { Genesis } from '../genesis/genesis.ts';
import { windowOf } from '../ledger/window.ts';
import { Keys } from '../state/keys.ts';
import { evAccountCodec, utxoCodec } from '../state/records.ts';
import type { StateView } from '../state/stateView.ts';
import { crossMatchRecordCodec } from './crossMatchRecord.ts';
import { recordTrade } from './evReputation.ts';
import { readGridAccountFrom, writeGridAccount } from './gridAccount.ts';
import { pruneReputationPoints, recordReputationPoint } from './reputationHistory.ts';
import { settlementRecordCodec } from './settlementRecord.ts';
import { shareSettlement } from './settlementShares.ts';
import { reputationReader, stationsOf } from './windowOrders.ts';
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
 * Who delivered what to whom is `shareSettlement`'s: each seller's reading
 * goes to its match at its station (paid at the clearing price from the
 * buyers' escrow), then to its cross-station matches (paid their price; the
 * buyer also pays the wheeling fee, to the grid account), then to the grid
 * (paid at feed-in from the grid's reserve); a buyer pays for what was
 * delivered to it and for the grid energy it drew (at retail, to the grid
 * account), and gets the rest of its escrow back. The grid's reserve returns
 * to its balance less what it paid. Then each matched order moves its
 * account's reputation (ES-1/ES-2/EB-1/EB-2 on its whole match — at its
 * station, across stations and with the grid; a missing reading is a
 * failure), and the window's orders and cross matches are pruned.
 */
export function settleWindow(view: StateView, window: number, height: number, genesis: Genesis): void {
  const stations = stationsOf(view, window);
  if (stations.length === 0) {
    pruneOld(view, window - MARKET_RETENTION_WINDOWS);
    return;
  }
  const results = new Map(
    stations.map((s) => [toHex(s.leag), view.read(windowResultCodec, Keys.windowResult(window, s.leag))]),
  );
  const crossBucket = Keys.crossMatches(window);
  const crossKeys = view.scan(crossBucket).map(([key]) => key);
  const crosses = crossKeys.map((key) => {
    const c = view.read(crossMatchRecordCodec, key)!;
    return { askHex: toHex(c.ask), bidHex: toHex(c.bid), energyWh: c.energyWh, price: c.price, fee: c.fee };
  });
  const reputation = reputationReader(view);
  const orders = stations.flatMap((s) =>
    s.orders.map(({ idHex, order }) => ({
      ...order,
      idHex,
      station: toHex(s.leag),
      reputationPpm: reputation(order.account).eb,
    })),
  );
  const prices = new Map(
    [...results].map(([leag, r]) => [
      leag,
      { price: r?.price ?? 0, feedIn: r?.feedInPrice ?? 0, retail: r?.retailPrice ?? 0 },
    ]),
  );
  const { shares, totals } = shareSettlement(orders, crosses, prices);

  const params = genesis.params.evReputation;
  const now = windowOf(height, genesis);
  for (const station of stations) {
    for (const { id, idHex, order } of station.orders) {
      const share = shares.get(idHex)!;
      if (share.amount > 0) {
        view.write(utxoCodec, Keys.utxo(settlementTxId(id), 0), {
          address: order.address,
          amount: share.amount,
        });
      }
      const total = order.matchedWh + order.crossMatchedWh + order.gridMatchedWh;
      const metered = Math.min(order.meteredWh ?? 0, total);
      if (total > 0) {
        const key = Keys.ev(order.account);
        const account = view.read(evAccountCodec, key);
        if (account) {
          const trade = {
            role: order.side === 'sell' ? ('seller' as const) : ('buyer' as const),
            matchedWh: total,
            meteredWh: metered,
            window: now,
            registeredWindow: windowOf(Math.max(1, account.registeredAt), genesis),
          };
          const reputation = recordTrade(account.reputation, trade, params);
          view.write(evAccountCodec, key, { ...account, reputation });
          recordReputationPoint(view, order.account, window, reputation);
        }
      }
      view.write(settlementRecordCodec, Keys.settledOrder(window, id), {
        side: order.side,
        account: order.account,
        leag: order.leag,
        window,
        energyWh: order.energyWh,
        matchedWh: order.matchedWh,
        crossMatchedWh: order.crossMatchedWh,
        gridMatchedWh: order.gridMatchedWh,
        meteredWh: order.meteredWh,
        price: order.price,
        ...share,
        released: order.released,
        success: total > 0 && metered >= total,
        payTo: order.address,
        settledAt: height,
      });
      view.delete(Keys.order(id));
      view.delete(Keys.windowOrder(window, id));
    }
  }
  for (const key of crossKeys) view.delete(key);

  const account = readGridAccountFrom(view);
  let balance = account.balance;
  let reserved = account.reserved;
  for (const station of stations) {
    const leag = toHex(station.leag);
    const result = results.get(leag);
    const t = totals.get(leag);
    if (!result) continue;
    balance += result.gridReserved - (t?.gridPaid ?? 0) + (t?.gridReceived ?? 0) + (t?.wheelingPaid ?? 0);
    reserved -= result.gridReserved;
    view.write(windowResultCodec, Keys.windowResult(window, station.leag), {
      ...result,
      settled: true,
      ...(t ?? {}),
      shortfallWh: result.volumeWh - (t?.deliveredWh ?? 0),
    });
  }
  writeGridAccount(view, { balance, reserved });
  pruneOld(view, window - MARKET_RETENTION_WINDOWS);
}

/** Drops the settlement records, window results and reputation points of a window past retention. */
function pruneOld(view: StateView, window: number): void {
  if (window < 0) return;
  pruneReputationPoints(view, window);
  for (const bucket of [Keys.settledOrders(window), Keys.windowResults(window)]) {
    for (const [key] of view.scan(bucket)) view.delete(key);
  }
}
