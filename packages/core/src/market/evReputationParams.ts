import { type Codec, struct, uint } from '../encoding/codec.ts';

/**
 * EV reputation parameters (DESIGN §7, decision 0008); reputation in ppm,
 * time in market windows. Genesis validation holds them to the properties
 * 0008 states: ω > 0, losses at least twice the largest gain for the same
 * volume, and a failure that always costs.
 */
export interface EvReputationParams {
  readonly initialPpm: number;
  readonly rMinPpm: number;
  /** ω_ES, ω_EB of eq. 3.1; both positive. */
  readonly weightSeller: number;
  readonly weightBuyer: number;
  /** G: the largest gain of one honest trade (ES-1/EB-1). */
  readonly gainMaxPpm: number;
  /** c_v: the trade volume that earns half of G. */
  readonly gainVolumeWh: number;
  /** c_g: windows after a decrease for the gain to recover from 1/2 to 2/3 of its full size. */
  readonly gainWindows: number;
  /** L: the largest loss of one failure (ES-2/EB-2), for a failure long after the last one. */
  readonly lossMaxPpm: number;
  /** F: every failure costs at least this (halved, like L, for a failure long after the last one). */
  readonly lossMinPpm: number;
  /** c_w: the failed volume that costs half of L. */
  readonly lossVolumeWh: number;
  /** c_l: windows after a decrease for a repeat failure's loss to fall from 1 to 3/4 of its full size. */
  readonly lossWindows: number;
}

export const evReputationParamsCodec: Codec<EvReputationParams> = struct<EvReputationParams>({
  initialPpm: uint,
  rMinPpm: uint,
  weightSeller: uint,
  weightBuyer: uint,
  gainMaxPpm: uint,
  gainVolumeWh: uint,
  gainWindows: uint,
  lossMaxPpm: uint,
  lossMinPpm: uint,
  lossVolumeWh: uint,
  lossWindows: uint,
});

export const defaultEvReputationParams: EvReputationParams = {
  initialPpm: 500_000,
  rMinPpm: 200_000,
  weightSeller: 1,
  weightBuyer: 1,
  gainMaxPpm: 50_000,
  gainVolumeWh: 10_000,
  gainWindows: 24,
  lossMaxPpm: 400_000,
  lossMinPpm: 150_000,
  lossVolumeWh: 10_000,
  lossWindows: 24,
};
