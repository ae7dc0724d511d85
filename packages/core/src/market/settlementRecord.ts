import { bool, type Codec, nullable, oneOf, struct, uint } from '../encoding/codec.ts';
import { address, publicKey } from '../encoding/fields.ts';

/**
 * What settlement did with one order (bucket `settled/<window>/`), kept for
 * MARKET_RETENTION_WINDOWS after the order itself is pruned, so the API can
 * answer "what was I paid or refunded, and why".
 */
export interface SettlementRecord {
  readonly side: 'sell' | 'buy';
  readonly account: Uint8Array;
  readonly leag: Uint8Array;
  readonly window: number;
  readonly energyWh: number;
  /** Energy matched with EVs at its station at the clearing price, with EVs at other stations (0015), and with the grid (0010). */
  readonly matchedWh: number;
  readonly crossMatchedWh: number;
  readonly gridMatchedWh: number;
  /** The meter reading as reported; null when none came (a failure). */
  readonly meteredWh: number | null;
  readonly price: number;
  /** Sell: energy delivered to EVs and paid for. Buy: energy from EV sellers the buyer was charged for. */
  readonly evWh: number;
  /** Sell: energy delivered to buyers at other stations. Buy: energy received from sellers at other stations. */
  readonly crossWh: number;
  /** Sell: what those buyers paid it. Buy: what it paid for crossWh, wheeling fees included. */
  readonly crossAmount: number;
  /** Sell: energy delivered to the grid and paid at feed-in. Buy: grid energy consumed and charged at retail. */
  readonly gridWh: number;
  /** Buy: tokens taken from the escrow: evWh at the price, crossAmount, gridWh at retail. 0 for sell orders. */
  readonly charged: number;
  /** Sell: what the grid account paid for gridWh. Buy: what the grid account was paid for gridWh. */
  readonly gridAmount: number;
  /** Buy: escrow returned at clearing. 0 for sell orders. */
  readonly released: number;
  /** Tokens paid out to the order's address at settlement: the seller's payment or the buyer's refund. */
  readonly amount: number;
  /** Buy: matched EV energy the sellers did not deliver (refunded). Sell: matched energy not delivered. */
  readonly shortfallWh: number;
  /** Whether the trade counted as a success for reputation (matched and fully metered). */
  readonly success: boolean;
  readonly payTo: Uint8Array;
  readonly settledAt: number;
}

export const settlementRecordCodec: Codec<SettlementRecord> = struct<SettlementRecord>({
  side: oneOf(['sell', 'buy']),
  account: publicKey,
  leag: publicKey,
  window: uint,
  energyWh: uint,
  matchedWh: uint,
  crossMatchedWh: uint,
  gridMatchedWh: uint,
  meteredWh: nullable(uint),
  price: uint,
  evWh: uint,
  crossWh: uint,
  crossAmount: uint,
  gridWh: uint,
  charged: uint,
  gridAmount: uint,
  released: uint,
  amount: uint,
  shortfallWh: uint,
  success: bool,
  payTo: address,
  settledAt: uint,
});
