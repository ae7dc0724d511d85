import { toHex } from '../crypto/hash.ts';
import { bytesEqual } from '../encoding/cbor.ts';
import { uint } from '../encoding/codec.ts';
import { windowOf } from '../ledger/window.ts';
import { Keys } from '../state/keys.ts';
import {
  type EvAccount,
  evAccountCodec,
  meterCodec,
  type TariffRecord,
  tariffCodec,
} from '../state/records.ts';
import type { TxContext, TxRule } from '../state/rules.ts';
import { TxError } from '../tx/txError.ts';
import type { BodyOf, Tx, TxKind } from '../tx/types.ts';
import { isUntrustedIn, roleScore, type TradeRole } from './evReputation.ts';
import { type OrderRecord, orderRecordCodec } from './orderRecord.ts';

/**
 * Order and meter-reading rules. Error codes (TxError.code):
 * - unregistered: the account, LEAG or meter is not registered
 * - invalid-order: zero energy, or more than MAX_ORDER_WH
 * - window-closed: the order's window has closed
 * - no-tariff: the grid operator has not published the window's tariff
 * - price-out-of-bounds: a price outside [feed-in, retail], or minPrice > expectedPrice
 * - untrusted: the account's score in the order's role (R_ES to sell, R_EB to buy) is below R_min
 * - duplicate: the order already exists, or the order already has its reading
 * - escrow-short: a buy order locks less than energyWh × maxPrice
 * - unexpected-value: a sell order or reading moves tokens
 * - unknown-order, wrong-window, wrong-meter, not-cleared, not-matched: readings
 * - wrong-signer: the order is not signed by its account key, or the reading by its meter
 */

/** 1 GWh: keeps every sum of a window's energy (and energy × price) far inside 2^53. */
export const MAX_ORDER_WH = 1_000_000_000;

function bodyOf<K extends TxKind>(tx: Tx, kind: K): BodyOf<K> {
  if (tx.body.kind !== kind) throw new TypeError(`rule for ${kind} got ${tx.body.kind}`);
  return tx.body as BodyOf<K>;
}

interface OrderTerms {
  readonly role: TradeRole;
  readonly account: Uint8Array;
  readonly leag: Uint8Array;
  readonly window: number;
  readonly energyWh: number;
}

/** The checks every order shares; returns the window's tariff. */
function checkOrder(ctx: TxContext, o: OrderTerms): TariffRecord {
  const account = ctx.view.read(evAccountCodec, Keys.ev(o.account));
  if (!account) throw new TxError('unregistered', `EV account ${toHex(o.account)} is not registered`);
  if (!ctx.view.has(Keys.leag(o.leag)))
    throw new TxError('unregistered', `LEAG ${toHex(o.leag)} is not registered`);
  if (ctx.view.has(Keys.order(ctx.id))) throw new TxError('duplicate', 'this order is already on the chain');
  if (o.energyWh === 0 || o.energyWh > MAX_ORDER_WH) {
    throw new TxError('invalid-order', `energy must be 1..${MAX_ORDER_WH} Wh, got ${o.energyWh}`);
  }
  // DESIGN §6: "orders for window w are accepted until it closes" (its clearing runs at the end of its last block).
  const open = windowOf(ctx.header.height, ctx.genesis);
  if (o.window < open)
    throw new TxError('window-closed', `window ${o.window} has closed; the open window is ${open}`);
  const tariff = ctx.view.read(tariffCodec, Keys.tariff(o.window));
  if (!tariff)
    throw new TxError('no-tariff', `the grid operator has published no tariff for window ${o.window}`);
  checkTrusted(ctx, account, o.role);
  return tariff;
}

/**
 * 3.2.3: "below R_min the user is untrusted" — judged by the record of the
 * role the order is in (DESIGN §7: "a seller by R_ES, a buyer by R_EB"), so an
 * EV that fails its sales cannot keep selling on the strength of its purchases.
 */
function checkTrusted(ctx: TxContext, account: EvAccount, role: TradeRole): void {
  const p = ctx.genesis.params.evReputation;
  if (isUntrustedIn(account.reputation, role, p)) {
    const name = role === 'seller' ? 'R_ES' : 'R_EB';
    throw new TxError(
      'untrusted',
      `the account's ${role} reputation ${name} ${roleScore(account.reputation, role)} ppm is below R_min ${p.rMinPpm} ppm; it needs reinstating`,
    );
  }
}

function priceInBounds(name: string, price: number, t: TariffRecord): void {
  if (price < t.feedInPrice || price > t.retailPrice) {
    throw new TxError(
      'price-out-of-bounds',
      `${name} ${price} is outside the grid bounds [feed-in ${t.feedInPrice}, retail ${t.retailPrice}]`,
    );
  }
}

function nextSeq(ctx: TxContext): number {
  const seq = ctx.view.read(uint, Keys.orderSeq) ?? 0;
  ctx.view.write(uint, Keys.orderSeq, seq + 1);
  return seq;
}

function store(
  ctx: TxContext,
  order: Omit<
    OrderRecord,
    'height' | 'seq' | 'cleared' | 'matchedWh' | 'crossMatchedWh' | 'gridMatchedWh' | 'price' | 'meteredWh'
  >,
) {
  ctx.view.write(orderRecordCodec, Keys.order(ctx.id), {
    ...order,
    height: ctx.header.height,
    seq: nextSeq(ctx),
    cleared: false,
    matchedWh: 0,
    crossMatchedWh: 0,
    gridMatchedWh: 0,
    price: 0,
    meteredWh: null,
  });
  ctx.view.write(uint, Keys.windowOrder(order.window, ctx.id), 0);
}

/** DESIGN §4: signed by the EV account key, "that is whose reputation they affect". */
const sellOrder: TxRule = {
  signers: (tx) => [bodyOf(tx, 'sell-order').account],
  apply: (ctx) => {
    const body = bodyOf(ctx.tx, 'sell-order');
    if (ctx.tx.inputs.length > 0 || ctx.tx.outputs.length > 0) {
      throw new TxError('unexpected-value', 'a sell order moves no tokens; the seller is paid at settlement');
    }
    const tariff = checkOrder(ctx, { ...body, role: 'seller' });
    // DESIGN §6: "asks floored at the feed-in price"; a seller concedes from expected down to minimum.
    priceInBounds('minimum price', body.minPrice, tariff);
    priceInBounds('expected price', body.expectedPrice, tariff);
    if (body.minPrice > body.expectedPrice) {
      throw new TxError(
        'price-out-of-bounds',
        `minimum price ${body.minPrice} is above expected price ${body.expectedPrice}`,
      );
    }
    store(ctx, {
      side: 'sell',
      account: body.account,
      leag: body.leag,
      window: body.window,
      energyWh: body.energyWh,
      expectedPrice: body.expectedPrice,
      minPrice: body.minPrice,
      maxPrice: 0,
      address: body.payout,
      escrow: 0,
      released: 0,
    });
  },
};

/** DESIGN §4: escrow = sum(inputs) − sum(outputs), and it must cover energyWh × maxPrice. */
const buyOrder: TxRule = {
  signers: (tx) => [bodyOf(tx, 'buy-order').account],
  escrows: true,
  apply: (ctx) => {
    const body = bodyOf(ctx.tx, 'buy-order');
    const tariff = checkOrder(ctx, { ...body, role: 'buyer' });
    // DESIGN §6: "bids are capped at the retail price".
    priceInBounds('maximum price', body.maxPrice, tariff);
    const escrow = ctx.inputTotal - ctx.outputTotal;
    const needed = BigInt(body.energyWh) * BigInt(body.maxPrice);
    if (BigInt(escrow) < needed) {
      throw new TxError('escrow-short', `the order locks ${escrow} but energy × maximum price is ${needed}`);
    }
    store(ctx, {
      side: 'buy',
      account: body.account,
      leag: body.leag,
      window: body.window,
      energyWh: body.energyWh,
      expectedPrice: 0,
      minPrice: 0,
      maxPrice: body.maxPrice,
      address: body.refund,
      escrow,
      released: 0,
    });
  },
};

/**
 * DESIGN §1: a smart meter, registered by the RA and bound to its station,
 * signs what was really delivered or consumed; it reports only on orders at
 * that station (decision 0009).
 */
const meterReading: TxRule = {
  signers: (tx) => [bodyOf(tx, 'meter-reading').meter],
  apply: (ctx) => {
    const body = bodyOf(ctx.tx, 'meter-reading');
    if (ctx.tx.inputs.length > 0 || ctx.tx.outputs.length > 0) {
      throw new TxError('unexpected-value', 'a meter reading moves no tokens');
    }
    const meter = ctx.view.read(meterCodec, Keys.meter(body.meter));
    if (!meter) throw new TxError('unregistered', `meter ${toHex(body.meter)} is not registered`);
    const key = Keys.order(body.order);
    const order = ctx.view.read(orderRecordCodec, key);
    if (!order)
      throw new TxError('unknown-order', `no open order ${toHex(body.order)} (unknown or already settled)`);
    if (order.window !== body.window) {
      throw new TxError(
        'wrong-window',
        `order ${toHex(body.order)} is in window ${order.window}, not ${body.window}`,
      );
    }
    if (!bytesEqual(meter.leag, order.leag)) {
      throw new TxError('wrong-meter', `meter ${toHex(body.meter)} does not belong to the order's station`);
    }
    if (!order.cleared) throw new TxError('not-cleared', `window ${order.window} has not cleared yet`);
    if (order.matchedWh + order.crossMatchedWh + order.gridMatchedWh === 0)
      throw new TxError('not-matched', 'the order matched nothing; there is nothing to meter');
    if (order.meteredWh !== null) throw new TxError('duplicate', 'the order already has its meter reading');
    ctx.view.write(orderRecordCodec, key, { ...order, meteredWh: body.energyWh });
  },
};

export const orderRules: { readonly [K in TxKind]?: TxRule } = {
  'sell-order': sellOrder,
  'buy-order': buyOrder,
  'meter-reading': meterReading,
};
