import type { NodeLimits } from '../config/config.ts';
import type { HealthSettings } from './healthMonitor.ts';

/** A stall is never called in less than this, however short the block interval. */
export const MIN_STALL_MS = 10_000;

/** The monitor's settings from the config's limits and the genesis block interval. */
export function healthSettings(
  limits: Pick<NodeLimits, 'healthStallBlocks' | 'memoryCeilingMb'>,
  blockIntervalMs: number,
): HealthSettings {
  return {
    stallAfterMs: Math.max(MIN_STALL_MS, limits.healthStallBlocks * blockIntervalMs),
    memoryCeilingBytes: limits.memoryCeilingMb * 1024 * 1024,
    pollMs: 1000,
  };
}
