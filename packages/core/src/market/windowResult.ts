import { bool, type Codec, nullable, struct, uint } from '../encoding/codec.ts';
import { publicKey } from '../encoding/fields.ts';

/** One station's market in one window (bucket `window-result/<window>/`): its clearing, then its settlement. */
export interface WindowResult {
  readonly window: number;
  readonly leag: Uint8Array;
  readonly retailPrice: number;
  readonly feedInPrice: number;
  /** Uniform clearing price; null when nothing traded. */
  readonly price: number | null;
  /** The marginal interval the price was taken from. */
  readonly low: number;
  readonly high: number;
  /** Concession steps the sellers took. */
  readonly step: number;
  /** Orders that took part in the auction. */
  readonly sellOrders: number;
  readonly buyOrders: number;
  /** Orders left out because their account fell below R_min in the order's role after placing them. */
  readonly untrustedOrders: number;
  /** Energy offered and asked for. */
  readonly supplyWh: number;
  readonly demandWh: number;
  readonly volumeWh: number;
  /** Demand left unmatched: "unmatched buyers are served by the grid at retail" (DESIGN §6). */
  readonly gridWh: number;
  readonly settled: boolean;
  /** At settlement: energy the sellers' meters confirmed. */
  readonly deliveredWh: number;
  /** Matched energy the sellers did not deliver: "shortfalls are bought from the grid". */
  readonly shortfallWh: number;
  /** Escrow returned to buyers at clearing (what their match at the clearing price does not need). */
  readonly released: number;
  /** Tokens paid to sellers and refunded to buyers at settlement. */
  readonly paid: number;
  readonly refunded: number;
}

export const windowResultCodec: Codec<WindowResult> = struct<WindowResult>({
  window: uint,
  leag: publicKey,
  retailPrice: uint,
  feedInPrice: uint,
  price: nullable(uint),
  low: uint,
  high: uint,
  step: uint,
  sellOrders: uint,
  buyOrders: uint,
  untrustedOrders: uint,
  supplyWh: uint,
  demandWh: uint,
  volumeWh: uint,
  gridWh: uint,
  released: uint,
  settled: bool,
  deliveredWh: uint,
  shortfallWh: uint,
  paid: uint,
  refunded: uint,
});
