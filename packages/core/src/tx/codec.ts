import {
  type Codec,
  decode,
  encode,
  list,
  literal,
  nullable,
  oneOf,
  struct,
  uint,
  variant,
} from '../encoding/codec.ts';
import { address, chainIdText, hash32, publicKey, signature } from '../encoding/fields.ts';
import { MAX_WHEELING_PAIRS, wheelingPairCodec } from '../state/records.ts';
import { MAX_TX_BYTES, MAX_TX_INPUTS, MAX_TX_OUTPUTS, MAX_TX_WITNESSES } from './limits.ts';
import type { Outpoint, SignedVote, Tx, TxBody, TxOutput, UnsignedTx, Witness } from './types.ts';

export const outpointCodec: Codec<Outpoint> = struct<Outpoint>({ txId: hash32, index: uint });
export const txOutputCodec: Codec<TxOutput> = struct<TxOutput>({ address, amount: uint });
export const witnessCodec: Codec<Witness> = struct<Witness>({ publicKey, signature });

export const signedVoteCodec: Codec<SignedVote> = struct<SignedVote>({
  type: oneOf(['prepare', 'commit']),
  height: uint,
  round: uint,
  blockHash: nullable(hash32),
  voter: publicKey,
  signature,
});

export const txBodyCodec: Codec<TxBody> = variant<TxBody>({
  transfer: {},
  'register-ev': { account: publicKey, leag: publicKey },
  'register-meter': { meter: publicKey, leag: publicKey },
  'register-leag': { leag: publicKey },
  deposit: { leag: publicKey, window: uint, reference: uint },
  tariff: {
    window: uint,
    retailPrice: uint,
    feedInPrice: uint,
    wheelingFee: uint,
    wheeling: list(wheelingPairCodec, MAX_WHEELING_PAIRS),
  },
  'grid-account': { reference: uint },
  'sell-order': {
    account: publicKey,
    leag: publicKey,
    window: uint,
    energyWh: uint,
    expectedPrice: uint,
    minPrice: uint,
    payout: address,
  },
  'buy-order': {
    account: publicKey,
    leag: publicKey,
    window: uint,
    energyWh: uint,
    maxPrice: uint,
    refund: address,
  },
  'meter-reading': { meter: publicKey, window: uint, order: hash32, energyWh: uint },
  evidence: { first: signedVoteCodec, second: signedVoteCodec },
  reinstate: { target: publicKey, role: oneOf(['ev', 'leag']), height: uint },
});

const unsignedShape = {
  version: literal(1),
  chainId: chainIdText,
  inputs: list(outpointCodec, MAX_TX_INPUTS),
  outputs: list(txOutputCodec, MAX_TX_OUTPUTS),
  lockTime: uint,
  body: txBodyCodec,
} as const;

export const unsignedTxCodec: Codec<UnsignedTx> = struct<UnsignedTx>(unsignedShape);
export const txCodec: Codec<Tx> = struct<Tx>({
  ...unsignedShape,
  witnesses: list(witnessCodec, MAX_TX_WITNESSES),
});

export function encodeTx(tx: Tx): Uint8Array {
  return encode(txCodec, tx);
}

export function decodeTx(bytes: Uint8Array): Tx {
  return decode(txCodec, bytes, MAX_TX_BYTES);
}
