import { PPM } from '@v2g/core';

/** LEAG reputation stays within [0, 1] in ppm (DESIGN §5). */
export function clampPpm(value: number): number {
  return Math.min(Math.max(value, 0), PPM);
}
