import { type Codec, struct, uint } from '../encoding/codec.ts';

/** EV reputation parameters (DESIGN §7); reputation in ppm. */
export interface EvReputationParams {
  readonly initialPpm: number;
  readonly rMinPpm: number;
  readonly weightSeller: number;
  readonly weightBuyer: number;
  /** Largest single gain (ES-1/EB-1) and its half-saturation constants. */
  readonly gainMaxPpm: number;
  readonly gainVolumeWh: number;
  readonly gainBlocks: number;
  /** Largest single loss (ES-2/EB-2) and its half-saturation constants. */
  readonly lossMaxPpm: number;
  readonly lossVolumeWh: number;
  readonly lossBlocks: number;
}

export const evReputationParamsCodec: Codec<EvReputationParams> = struct<EvReputationParams>({
  initialPpm: uint,
  rMinPpm: uint,
  weightSeller: uint,
  weightBuyer: uint,
  gainMaxPpm: uint,
  gainVolumeWh: uint,
  gainBlocks: uint,
  lossMaxPpm: uint,
  lossVolumeWh: uint,
  lossBlocks: uint,
});

export const defaultEvReputationParams: EvReputationParams = {
  initialPpm: 500_000,
  rMinPpm: 200_000,
  weightSeller: 1,
  weightBuyer: 1,
  gainMaxPpm: 50_000,
  gainVolumeWh: 10_000,
  gainBlocks: 100,
  lossMaxPpm: 300_000,
  lossVolumeWh: 10_000,
  lossBlocks: 100,
};
