import { bool, type Codec, nullable, struct, uint } from '../encoding/codec.ts';
import { publicKey } from '../encoding/fields.ts';

/**
 * One station's market in one window (bucket `window-result/<window>/`): its
 * clearing, then its settlement. Energy traded EV-to-EV and EV-to-grid is
 * kept apart (decision 0010).
 */
export interface WindowResult {
  readonly window: number;
  readonly leag: Uint8Array;
  readonly retailPrice: number;
  readonly feedInPrice: number;
  /** Uniform clearing price of the EV auction; null when no EV traded with another. */
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
  /** EV-to-EV energy matched at the clearing price. */
  readonly volumeWh: number;
  /** EV-to-EV across stations (0015): this station's sellers to other stations, and its buyers from them. */
  readonly crossOutWh: number;
  readonly crossInWh: number;
  /** Wheeling fees this station's buyers committed for crossInWh (paid to the grid account on delivery). */
  readonly wheelingFees: number;
  /** EV-to-grid: unsold supply the grid bought at feed-in. */
  readonly toGridWh: number;
  /** Grid-to-EV: unmet demand the grid supplies at retail. */
  readonly fromGridWh: number;
  /** Demand left unserved on chain: no EV anywhere met its bid, and it was below retail. */
  readonly unmetWh: number;
  /** Escrow returned to buyers at clearing (what their match does not need). */
  readonly released: number;
  /** Taken from the grid account's balance at clearing to pay for toGridWh at feed-in. */
  readonly gridReserved: number;
  readonly settled: boolean;
  /** At settlement, EV-to-EV: energy the sellers' meters confirmed, and the matched energy they did not deliver. */
  readonly deliveredWh: number;
  readonly shortfallWh: number;
  /** At settlement, cross-station energy the meters confirmed, out of and into the station, and the fees paid. */
  readonly crossOutDeliveredWh: number;
  readonly crossInDeliveredWh: number;
  readonly wheelingPaid: number;
  /** At settlement, EV-to-grid and grid-to-EV energy the meters confirmed. */
  readonly toGridDeliveredWh: number;
  readonly fromGridDeliveredWh: number;
  /** At settlement: tokens buyers paid sellers, refunds to buyers, what the grid paid sellers and was paid by buyers. */
  readonly paid: number;
  readonly refunded: number;
  readonly gridPaid: number;
  readonly gridReceived: number;
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
  crossOutWh: uint,
  crossInWh: uint,
  wheelingFees: uint,
  toGridWh: uint,
  fromGridWh: uint,
  unmetWh: uint,
  released: uint,
  gridReserved: uint,
  settled: bool,
  deliveredWh: uint,
  shortfallWh: uint,
  crossOutDeliveredWh: uint,
  crossInDeliveredWh: uint,
  wheelingPaid: uint,
  toGridDeliveredWh: uint,
  fromGridDeliveredWh: uint,
  paid: uint,
  refunded: uint,
  gridPaid: uint,
  gridReceived: uint,
});
