import type { SignedVote, Tx } from './types.ts';

/**
 * The `evidence` transaction for two conflicting votes by one LEAG (same
 * height, round and step, different blocks). It has no inputs, outputs or
 * witnesses: the two signatures it carries are the proof. Every LEAG that
 * sees the same pair builds the same bytes, so the transaction id is the
 * same wherever the equivocation was caught.
 */
export function evidenceTx(chainId: string, first: SignedVote, second: SignedVote): Tx {
  return {
    version: 1,
    chainId,
    inputs: [],
    outputs: [],
    lockTime: 0,
    body: { kind: 'evidence', first, second },
    witnesses: [],
  };
}
