import { type Codec, struct, uint } from '../encoding/codec.ts';

/** Market timing and limits (DESIGN §6). Windows are block ranges counted from height 1. */
export interface MarketParams {
  /** Blocks per market window; window w spans heights [w·windowBlocks + 1, (w+1)·windowBlocks]. */
  readonly windowBlocks: number;
  /** Windows after a window closes until its settlement deadline. */
  readonly settlementWindows: number;
  /** Most a LEAG may mint by deposits in one window, in micro-units. */
  readonly depositLimitPerWindow: number;
  /** Steps a seller concedes from expected toward minimum price. */
  readonly concessionSteps: number;
}

export const marketParamsCodec: Codec<MarketParams> = struct<MarketParams>({
  windowBlocks: uint,
  settlementWindows: uint,
  depositLimitPerWindow: uint,
  concessionSteps: uint,
});

export const defaultMarketParams: MarketParams = {
  windowBlocks: 10,
  settlementWindows: 2,
  depositLimitPerWindow: 1_000_000_000_000,
  concessionSteps: 10,
};
