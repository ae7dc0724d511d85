import { bool, type Codec, nullable, oneOf, struct, uint } from '../encoding/codec.ts';
import { address, publicKey } from '../encoding/fields.ts';

/** An accepted order (bucket `order/`), kept from acceptance until its window settles. */
export interface OrderRecord {
  readonly side: 'sell' | 'buy';
  /** The EV account key that signed the order: whose reputation it moves. */
  readonly account: Uint8Array;
  /** The station whose market the order is in. */
  readonly leag: Uint8Array;
  readonly window: number;
  readonly energyWh: number;
  /** Sell orders: the seller's opening ask and its floor. 0 on buy orders. */
  readonly expectedPrice: number;
  readonly minPrice: number;
  /** Buy orders: the bid. 0 on sell orders. */
  readonly maxPrice: number;
  /** Payout address (sell) or refund address (buy): a one-time wallet address. */
  readonly address: Uint8Array;
  /** Tokens the buy order still holds in escrow (inputs − outputs, less what clearing released); 0 on sell orders. */
  readonly escrow: number;
  /** Escrow returned at clearing: all of it when unmatched, else escrow − matched × price. */
  readonly released: number;
  readonly height: number;
  /** Order time for rationing. */
  readonly seq: number;
  readonly cleared: boolean;
  /** Energy matched with other EVs at the clearing price. */
  readonly matchedWh: number;
  /** Energy matched with EVs at other stations in the second stage (0015), over all its cross matches. */
  readonly crossMatchedWh: number;
  /** Energy matched with the grid after the auction: sold to it at feed-in or bought from it at retail (0010). */
  readonly gridMatchedWh: number;
  /** The window's clearing price once cleared (0 if nothing traded). */
  readonly price: number;
  /** Energy the station's meter reported delivered (sell) or consumed (buy); null until read. */
  readonly meteredWh: number | null;
}

export const orderRecordCodec: Codec<OrderRecord> = struct<OrderRecord>({
  side: oneOf(['sell', 'buy']),
  account: publicKey,
  leag: publicKey,
  window: uint,
  energyWh: uint,
  expectedPrice: uint,
  minPrice: uint,
  maxPrice: uint,
  address,
  escrow: uint,
  released: uint,
  height: uint,
  seq: uint,
  cleared: bool,
  matchedWh: uint,
  crossMatchedWh: uint,
  gridMatchedWh: uint,
  price: uint,
  meteredWh: nullable(uint),
});
