import type { DriverState } from '@v2g/consensus';

/** Where a LEAG is in its life. */
export type NodeState =
  | { readonly kind: 'starting' }
  | { readonly kind: 'waiting-for-peers'; readonly want: number }
  | { readonly kind: 'running'; readonly consensus: DriverState }
  | { readonly kind: 'stopping' }
  | { readonly kind: 'stopped' };

/** The one-word consensus state the API's health shows (`running`, `halted: <reason>`, …). */
export function describeConsensus(state: NodeState): string {
  switch (state.kind) {
    case 'running': {
      const c = state.consensus;
      return c.kind === 'halted' ? `halted: ${c.reason}` : c.kind;
    }
    default:
      return state.kind;
  }
}
