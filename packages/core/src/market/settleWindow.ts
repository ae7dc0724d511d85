import { sha256, utf8 } from '../crypto/hash.ts';
import type { Genesis } from '../genesis/genesis.ts';
import { windowOf } from '../ledger/window.ts';
import { Keys } from '../state/keys.ts';
import { evAccountCodec, utxoCodec } from '../state/records.ts';
import type { StateView } from '../state/stateView.ts';
import { recordTrade } from './evReputation.ts';
import { settlementRecordCodec } from './settlementRecord.ts';
import { reputationReader, type StoredOrder, stationsOf } from './windowOrders.ts';
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
 * really delivered (meter), a buyer refunded escrow for energy not received;
 * shortfalls are bought from the grid". Per station, at clearing price p:
 * - seller j delivered d_j = min(reading, matched) (no reading: 0) and is paid d_j·p;
 * - the delivered total D is shared among matched buyers by standing
 *   (R_EB, order time, id); buyer i pays its share e_i·p and gets back the
 *   rest of its escrow, (matched − e_i)·p (the part its match at p did not need
 *   went back at clearing); the rest of its match, matched − e_i, is the shortfall the
 *   grid supplies (billed off-chain by the station at retail, like unmatched demand);
 * so Σ paid by buyers = D·p = Σ received by sellers, and escrow in = payments + releases + refunds.
 * Then each matched order moves its account's reputation (ES-1/ES-2/EB-1/EB-2;
 * a missing reading is a failure), and the window's orders are pruned.
 */
export function settleWindow(view: StateView, window: number, height: number, genesis: Genesis): void {
  const params = genesis.params.evReputation;
  for (const station of stationsOf(view, window)) {
    const resultKey = Keys.windowResult(window, station.leag);
    const result = view.read(windowResultCodec, resultKey);
    const price = result?.price ?? 0;

    /** Per order (by id hex): energy from or to EVs that is paid for, and the tokens paid out. */
    const evWh = new Map<string, number>();
    const amount = new Map<string, number>();
    let delivered = 0;
    let paid = 0;
    let refunded = 0;
    const buyers: StoredOrder[] = [];
    for (const o of station.orders) {
      if (o.order.side === 'sell') {
        const d = Math.min(o.order.meteredWh ?? 0, o.order.matchedWh);
        delivered += d;
        paid += d * price;
        evWh.set(o.idHex, d);
        amount.set(o.idHex, d * price);
      } else buyers.push(o);
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
    for (const o of buyers) {
      const fromEvs = Math.min(left, o.order.matchedWh);
      left -= fromEvs;
      const refund = o.order.escrow - fromEvs * price;
      refunded += refund;
      evWh.set(o.idHex, fromEvs);
      amount.set(o.idHex, refund);
    }

    for (const { id, idHex, order } of station.orders) {
      const metered = Math.min(order.meteredWh ?? 0, order.matchedWh);
      const ev = evWh.get(idHex) ?? 0;
      const out = amount.get(idHex) ?? 0;
      if (out > 0)
        view.write(utxoCodec, Keys.utxo(settlementTxId(id), 0), { address: order.address, amount: out });
      if (order.matchedWh > 0) {
        const key = Keys.ev(order.account);
        const account = view.read(evAccountCodec, key);
        if (account) {
          const reputation = recordTrade(
            account.reputation,
            {
              role: order.side === 'sell' ? 'seller' : 'buyer',
              matchedWh: order.matchedWh,
              meteredWh: metered,
              window: windowOf(height, genesis),
              registeredWindow: windowOf(Math.max(1, account.registeredAt), genesis),
            },
            params,
          );
          view.write(evAccountCodec, key, { ...account, reputation });
        }
      }
      view.write(settlementRecordCodec, Keys.settledOrder(window, id), {
        side: order.side,
        account: order.account,
        leag: order.leag,
        window,
        energyWh: order.energyWh,
        matchedWh: order.matchedWh,
        meteredWh: order.meteredWh,
        price,
        evWh: ev,
        charged: order.side === 'buy' ? ev * price : 0,
        released: order.released,
        amount: out,
        gridWh: order.side === 'buy' ? order.energyWh - ev : 0,
        success: order.matchedWh > 0 && metered >= order.matchedWh,
        payTo: order.address,
        settledAt: height,
      });
      view.delete(Keys.order(id));
      view.delete(Keys.windowOrder(window, id));
    }

    if (result) {
      view.write(windowResultCodec, resultKey, {
        ...result,
        settled: true,
        deliveredWh: delivered,
        shortfallWh: result.volumeWh - delivered,
        paid,
        refunded,
      });
    }
  }
  pruneOld(view, window - MARKET_RETENTION_WINDOWS);
}

/** Drops the settlement records and window results of a window past retention. */
function pruneOld(view: StateView, window: number): void {
  if (window < 0) return;
  for (const bucket of [Keys.settledOrders(window), Keys.windowResults(window)]) {
    for (const [key] of view.scan(bucket)) view.delete(key);
  }
}
