import { toHex } from '../crypto/hash.ts';
import { bytesEqual, compareBytes } from '../encoding/cbor.ts';
import { uint } from '../encoding/codec.ts';
import type { Genesis } from '../genesis/genesis.ts';
import { Keys } from '../state/keys.ts';
import { type EvReputation, evAccountCodec, leagCodec, meterCodec, tariffCodec } from '../state/records.ts';
import type { Rules, TxContext, TxRule } from '../state/rules.ts';
import { TxError } from '../tx/txError.ts';
import type { BodyOf, Tx, TxKind } from '../tx/types.ts';
import { windowOf } from './window.ts';

export const LEAG_INITIAL_REPUTATION_PPM = 500_000;

function bodyOf<K extends TxKind>(tx: Tx, kind: K): BodyOf<K> {
  if (tx.body.kind !== kind) throw new TypeError(`rule for ${kind} got ${tx.body.kind}`);
  return tx.body as BodyOf<K>;
}

export function initialEvReputation(genesis: Genesis): EvReputation {
  const p = genesis.params.evReputation.initialPpm;
  return {
    r: p,
    es: p,
    eb: p,
    actedAsSeller: false,
    actedAsBuyer: false,
    esSuccessCount: 0,
    esSuccessWh: 0,
    esFailCount: 0,
    esFailWh: 0,
    esLastDecreaseWindow: 0,
    ebSuccessCount: 0,
    ebSuccessWh: 0,
    ebFailCount: 0,
    ebFailWh: 0,
    ebLastDecreaseWindow: 0,
  };
}

/** Refuses a transaction whose named LEAG is not registered. */
export function requireLeag(ctx: TxContext, leag: Uint8Array): void {
  if (!ctx.view.has(Keys.leag(leag)))
    throw new TxError('unregistered', `LEAG ${toHex(leag)} is not registered`);
}

function noValue(ctx: TxContext): void {
  if (ctx.tx.inputs.length > 0 || ctx.tx.outputs.length > 0) {
    throw new TxError('unexpected-value', `a ${ctx.tx.body.kind} moves no tokens`);
  }
}

const transfer: TxRule = {
  signers: () => [],
  apply: (ctx) => {
    if (ctx.tx.inputs.length === 0) throw new TxError('no-inputs', 'a transfer spends at least one input');
  },
};

/** DESIGN §1: the RA signs EV registrations; the account key co-signs to prove possession. */
const registerEv: TxRule = {
  signers: (tx, g) => [g.raKey, bodyOf(tx, 'register-ev').account],
  apply: (ctx) => {
    noValue(ctx);
    const body = bodyOf(ctx.tx, 'register-ev');
    requireLeag(ctx, body.leag);
    const key = Keys.ev(body.account);
    if (ctx.view.has(key)) throw new TxError('already-registered', `EV ${toHex(body.account)} is registered`);
    ctx.view.write(evAccountCodec, key, {
      publicKey: body.account,
      leag: body.leag,
      registeredAt: ctx.header.height,
      reputation: initialEvReputation(ctx.genesis),
    });
  },
};

/**
 * DESIGN §1: "a smart meter's key is registered by the RA and bound to a
 * station ... not by the LEAG whose EVs it settles: a LEAG must not control
 * the evidence that moves its own EVs' reputations". The RA's signature is the
 * certificate that binds the meter to the station it names, for good (a meter
 * that moves gets a new key); the meter co-signs to prove it holds its key.
 * Decision 0009.
 */
const registerMeter: TxRule = {
  signers: (tx, g) => [g.raKey, bodyOf(tx, 'register-meter').meter],
  apply: (ctx) => {
    noValue(ctx);
    const body = bodyOf(ctx.tx, 'register-meter');
    requireLeag(ctx, body.leag);
    const key = Keys.meter(body.meter);
    if (ctx.view.has(key))
      throw new TxError('already-registered', `meter ${toHex(body.meter)} is registered`);
    // A key that signs for a party with a stake in the readings cannot also be a meter.
    const { raKey, gridOperatorKey } = ctx.genesis;
    if (
      ctx.view.has(Keys.leag(body.meter)) ||
      ctx.view.has(Keys.ev(body.meter)) ||
      bytesEqual(body.meter, raKey) ||
      bytesEqual(body.meter, gridOperatorKey)
    ) {
      throw new TxError(
        'invalid-meter',
        `key ${toHex(body.meter)} belongs to a LEAG, an EV, the RA or the grid operator`,
      );
    }
    ctx.view.write(meterCodec, key, {
      publicKey: body.meter,
      leag: body.leag,
      registeredAt: ctx.header.height,
    });
  },
};

const registerLeag: TxRule = {
  signers: (_tx, g) => [g.raKey],
  apply: (ctx) => {
    noValue(ctx);
    const body = bodyOf(ctx.tx, 'register-leag');
    const key = Keys.leag(body.leag);
    if (ctx.view.has(key)) throw new TxError('already-registered', `LEAG ${toHex(body.leag)} is registered`);
    ctx.view.write(leagCodec, key, {
      publicKey: body.leag,
      name: `leag-${toHex(body.leag).slice(0, 8)}`,
      reputationPpm: LEAG_INITIAL_REPUTATION_PPM,
      registeredAt: ctx.header.height,
    });
  },
};

/** DESIGN §4: a LEAG's account server mints tokens against off-chain payment, bounded per window. */
const deposit: TxRule = {
  signers: (tx) => [bodyOf(tx, 'deposit').leag],
  mints: true,
  apply: (ctx) => {
    const body = bodyOf(ctx.tx, 'deposit');
    if (ctx.tx.inputs.length > 0) throw new TxError('unexpected-value', 'a deposit spends no inputs');
    if (ctx.tx.outputs.length === 0)
      throw new TxError('no-outputs', 'a deposit credits at least one address');
    requireLeag(ctx, body.leag);
    const window = windowOf(ctx.header.height, ctx.genesis);
    if (body.window !== window) {
      throw new TxError('window-closed', `deposit names window ${body.window}, the open window is ${window}`);
    }
    const ref = Keys.deposit(body.leag, body.reference);
    if (ctx.view.has(ref)) throw new TxError('duplicate', `deposit reference ${body.reference} is used`);
    const totalKey = Keys.depositTotal(window, body.leag);
    const total = (ctx.view.read(uint, totalKey) ?? 0) + ctx.outputTotal;
    const limit = ctx.genesis.params.market.depositLimitPerWindow;
    if (total > limit) {
      throw new TxError(
        'deposit-limit',
        `deposits of this LEAG would reach ${total} in window ${window}; limit ${limit}`,
      );
    }
    ctx.view.write(uint, ref, ctx.header.height);
    ctx.view.write(uint, totalKey, total);
  },
};

/**
 * DESIGN §1: the grid operator signs each window's retail (cap) and feed-in
 * (floor) prices, and (§6) the wheeling fees between stations.
 */
const tariff: TxRule = {
  signers: (_tx, g) => [g.gridOperatorKey],
  apply: (ctx) => {
    noValue(ctx);
    const body = bodyOf(ctx.tx, 'tariff');
    if (body.retailPrice === 0 || body.feedInPrice > body.retailPrice) {
      throw new TxError('invalid-tariff', 'retail price must be positive and at least the feed-in price');
    }
    // One canonical form per fee table: pairs ordered a < b, sorted, each once.
    body.wheeling.forEach((p, i) => {
      const prev = body.wheeling[i - 1];
      if (
        compareBytes(p.a, p.b) >= 0 ||
        (prev && (compareBytes(prev.a, p.a) || compareBytes(prev.b, p.b)) >= 0)
      ) {
        throw new TxError('invalid-tariff', 'wheeling pairs must have a < b and be sorted, each pair once');
      }
    });
    const window = windowOf(ctx.header.height, ctx.genesis);
    if (body.window < window) throw new TxError('window-closed', `window ${body.window} has passed`);
    const key = Keys.tariff(body.window);
    if (ctx.view.has(key)) throw new TxError('duplicate', `window ${body.window} has a tariff`);
    ctx.view.write(tariffCodec, key, {
      retailPrice: body.retailPrice,
      feedInPrice: body.feedInPrice,
      wheelingFee: body.wheelingFee,
      wheeling: body.wheeling,
    });
  },
};

export const ledgerRules: Partial<Rules> = {
  tx: {
    transfer,
    'register-ev': registerEv,
    'register-meter': registerMeter,
    'register-leag': registerLeag,
    deposit,
    tariff,
  },
};
