import { type Codec, struct, uint } from '../encoding/codec.ts';
import { hash32, publicKey } from '../encoding/fields.ts';

/**
 * One cross-station trade of a window (bucket `cross-match/<window>/`), from
 * clearing until settlement (decision 0015): the seller's order at one
 * station, the buyer's at another, the energy, the seller's price and the
 * wheeling fee, both per Wh.
 */
export interface CrossMatchRecord {
  readonly ask: Uint8Array;
  readonly bid: Uint8Array;
  readonly sellerLeag: Uint8Array;
  readonly buyerLeag: Uint8Array;
  readonly energyWh: number;
  readonly price: number;
  readonly fee: number;
}

export const crossMatchRecordCodec: Codec<CrossMatchRecord> = struct<CrossMatchRecord>({
  ask: hash32,
  bid: hash32,
  sellerLeag: publicKey,
  buyerLeag: publicKey,
  energyWh: uint,
  price: uint,
  fee: uint,
});
