import {
  type KeyPair,
  type Outpoint,
  signTx,
  type Tx,
  type TxBody,
  type TxOutput,
  type WheelingPair,
} from '@v2g/core';

/** Builders for the transactions an EV, a LEAG, the RA or the grid operator signs. */
export interface TxEnvelope {
  readonly chainId: string;
  readonly lockTime?: number;
}

function build(
  env: TxEnvelope,
  body: TxBody,
  keys: KeyPair[],
  inputs: Outpoint[] = [],
  outputs: TxOutput[] = [],
): Tx {
  return signTx(
    { version: 1, chainId: env.chainId, inputs, outputs, lockTime: env.lockTime ?? 0, body },
    keys,
  );
}

export function registerEvTx(env: TxEnvelope, ra: KeyPair, account: KeyPair, leag: Uint8Array): Tx {
  return build(env, { kind: 'register-ev', account: account.publicKey, leag }, [ra, account]);
}

/** The RA admits a new LEAG (a station joining the network); it starts at the initial LEAG reputation. */
export function registerLeagTx(env: TxEnvelope, ra: KeyPair, leag: Uint8Array): Tx {
  return build(env, { kind: 'register-leag', leag }, [ra]);
}

/** The RA binds the meter to the station `leag`; the meter co-signs (decision 0009). */
export function registerMeterTx(env: TxEnvelope, ra: KeyPair, meter: KeyPair, leag: Uint8Array): Tx {
  return build(env, { kind: 'register-meter', meter: meter.publicKey, leag }, [ra, meter]);
}

export function depositTx(
  env: TxEnvelope,
  leag: KeyPair,
  window: number,
  reference: number,
  outputs: TxOutput[],
): Tx {
  return build(env, { kind: 'deposit', leag: leag.publicKey, window, reference }, [leag], [], outputs);
}

/** Wheeling fees between stations (decision 0015): a default per Wh, and listed pairs (a < b, sorted). */
export interface Wheeling {
  readonly fee: number;
  readonly pairs?: readonly WheelingPair[];
}

export function tariffTx(
  env: TxEnvelope,
  grid: KeyPair,
  window: number,
  retailPrice: number,
  feedInPrice: number,
  wheeling: Wheeling = { fee: 0 },
): Tx {
  const body = {
    window,
    retailPrice,
    feedInPrice,
    wheelingFee: wheeling.fee,
    wheeling: wheeling.pairs ?? [],
  };
  return build(env, { kind: 'tariff', ...body }, [grid]);
}

/**
 * Moves tokens between the grid operator's wallets and its grid account
 * (decision 0010): inputs − outputs is credited, outputs − inputs withdrawn.
 * The inputs must be the grid operator's own wallet (its key signs once).
 */
export function gridAccountTx(
  env: TxEnvelope,
  grid: KeyPair,
  reference: number,
  inputs: Outpoint[],
  outputs: TxOutput[],
): Tx {
  return build(env, { kind: 'grid-account', reference }, [grid], inputs, outputs);
}

/** A plain payment: each input is signed by the wallet key that owns it. */
export function transferTx(
  env: TxEnvelope,
  inputs: { outpoint: Outpoint; key: KeyPair }[],
  outputs: TxOutput[],
): Tx {
  return build(
    env,
    { kind: 'transfer' },
    inputs.map((i) => i.key),
    inputs.map((i) => i.outpoint),
    outputs,
  );
}

export interface SellOrder {
  readonly leag: Uint8Array;
  readonly window: number;
  readonly energyWh: number;
  readonly expectedPrice: number;
  readonly minPrice: number;
  readonly payout: Uint8Array;
}

export function sellOrderTx(env: TxEnvelope, account: KeyPair, o: SellOrder): Tx {
  return build(env, { kind: 'sell-order', account: account.publicKey, ...o }, [account]);
}

export interface BuyOrder {
  readonly leag: Uint8Array;
  readonly window: number;
  readonly energyWh: number;
  readonly maxPrice: number;
  readonly refund: Uint8Array;
}

/** Escrow = inputs − outputs; `change` returns the rest to the buyer. */
export function buyOrderTx(
  env: TxEnvelope,
  account: KeyPair,
  o: BuyOrder,
  inputs: { outpoint: Outpoint; key: KeyPair }[],
  change: TxOutput[],
): Tx {
  return build(
    env,
    { kind: 'buy-order', account: account.publicKey, ...o },
    [account, ...inputs.map((i) => i.key)],
    inputs.map((i) => i.outpoint),
    change,
  );
}

export function meterReadingTx(
  env: TxEnvelope,
  meter: KeyPair,
  window: number,
  order: Uint8Array,
  energyWh: number,
): Tx {
  return build(env, { kind: 'meter-reading', meter: meter.publicKey, window, order, energyWh }, [meter]);
}
