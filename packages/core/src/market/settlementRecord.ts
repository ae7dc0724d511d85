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
  readonly matchedWh: number;
  /** The meter reading as reported; null when none came (a failure). */
  readonly meteredWh: number | null;
  readonly price: number;
  /** Sell: energy delivered and paid for. Buy: energy from EV sellers the buyer was charged for. */
  readonly evWh: number;
  /** Buy: tokens taken from the escrow for evWh. 0 for sell orders. */
  readonly charged: number;
  /** Buy: escrow returned at clearing. 0 for sell orders. */
  readonly released: number;
  /** Tokens paid out to the order's address at settlement: the seller's payment or the buyer's refund. */
  readonly amount: number;
  /** Buy: energy the grid supplies the buyer instead of EVs (unmatched demand and sellers' shortfall). 0 for sell orders. */
  readonly gridWh: number;
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
  meteredWh: nullable(uint),
  price: uint,
  evWh: uint,
  charged: uint,
  released: uint,
  amount: uint,
  gridWh: uint,
  success: bool,
  payTo: address,
  settledAt: uint,
});
