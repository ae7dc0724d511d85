import type { Genesis } from '../genesis/genesis.ts';

/** Window w spans heights [w·B + 1, (w+1)·B] for B = market.windowBlocks (DESIGN §6). */
export function windowOf(height: number, genesis: Genesis): number {
  return Math.floor((height - 1) / genesis.params.market.windowBlocks);
}

/** The height at whose end window w closes. */
export function windowCloseHeight(window: number, genesis: Genesis): number {
  return (window + 1) * genesis.params.market.windowBlocks;
}
