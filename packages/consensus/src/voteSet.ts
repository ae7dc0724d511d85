import { type SignedVote, toHex } from '@v2g/core';
import { isQuorum } from './quorum.ts';

export const NIL = 'nil';

export function voteKey(blockHash: Uint8Array | null): string {
  return blockHash === null ? NIL : toHex(blockHash);
}

export type AddResult =
  | { readonly kind: 'added' }
  | { readonly kind: 'duplicate' }
  /** The voter already voted differently in this (height, round, type): equivocation. */
  | { readonly kind: 'conflict'; readonly existing: SignedVote };

/** Verified votes of one (height, round, type), with weight per block hash. Votes must be checked before `add`. */
export class VoteSet {
  private readonly byVoter = new Map<string, SignedVote>();
  private readonly weightByKey = new Map<string, number>();
  private total = 0;

  add(vote: SignedVote, weight: number): AddResult {
    const voter = toHex(vote.voter);
    const existing = this.byVoter.get(voter);
    if (existing) {
      return voteKey(existing.blockHash) === voteKey(vote.blockHash)
        ? { kind: 'duplicate' }
        : { kind: 'conflict', existing };
    }
    this.byVoter.set(voter, vote);
    const key = voteKey(vote.blockHash);
    this.weightByKey.set(key, (this.weightByKey.get(key) ?? 0) + weight);
    this.total += weight;
    return { kind: 'added' };
  }

  weightFor(key: string): number {
    return this.weightByKey.get(key) ?? 0;
  }

  get weight(): number {
    return this.total;
  }

  voteOf(voter: Uint8Array): SignedVote | undefined {
    return this.byVoter.get(toHex(voter));
  }

  hasVoted(voter: Uint8Array): boolean {
    return this.byVoter.has(toHex(voter));
  }

  /** The block hash (hex) or NIL with more than 2/3 of `total`, if any. */
  quorumKey(totalWeight: number): string | null {
    for (const [key, w] of this.weightByKey) if (isQuorum(w, totalWeight)) return key;
    return null;
  }

  votesFor(key: string): SignedVote[] {
    return [...this.byVoter.values()].filter((v) => voteKey(v.blockHash) === key);
  }

  all(): SignedVote[] {
    return [...this.byVoter.values()];
  }

  voters(): string[] {
    return [...this.byVoter.keys()];
  }
}
