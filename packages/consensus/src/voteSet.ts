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

/**
 * Verified votes of one (height, round, type), with weight per block hash.
 * An equivocator's votes count once toward each hash it signed (each is a
 * real signed vote for that hash, and a quorum is a set of distinct voters
 * per hash), but only once toward the weight of "any vote". Without this, a
 * LEAG that saw the equivocator's other vote first could never see a
 * quorum that others formed. Votes must be verified before `add`.
 */
export class VoteSet {
  private readonly first = new Map<string, SignedVote>();
  private readonly byKey = new Map<string, Map<string, SignedVote>>();
  private readonly weightByKey = new Map<string, number>();
  private total = 0;

  add(vote: SignedVote, weight: number): AddResult {
    const voter = toHex(vote.voter);
    const key = voteKey(vote.blockHash);
    let forKey = this.byKey.get(key);
    if (forKey?.has(voter)) return { kind: 'duplicate' };
    if (!forKey) {
      forKey = new Map();
      this.byKey.set(key, forKey);
    }
    forKey.set(voter, vote);
    this.weightByKey.set(key, (this.weightByKey.get(key) ?? 0) + weight);
    const existing = this.first.get(voter);
    if (existing) return { kind: 'conflict', existing };
    this.first.set(voter, vote);
    this.total += weight;
    return { kind: 'added' };
  }

  /** Whether this exact vote (voter and target) is already counted. */
  has(vote: SignedVote): boolean {
    return this.byKey.get(voteKey(vote.blockHash))?.has(toHex(vote.voter)) ?? false;
  }

  weightFor(key: string): number {
    return this.weightByKey.get(key) ?? 0;
  }

  /** Weight of distinct voters, whatever they voted for. */
  get weight(): number {
    return this.total;
  }

  /** The first vote counted from `voter`. */
  voteOf(voter: Uint8Array): SignedVote | undefined {
    return this.first.get(toHex(voter));
  }

  hasVoted(voter: Uint8Array): boolean {
    return this.first.has(toHex(voter));
  }

  /** The block hash (hex) or NIL with more than 2/3 of `total`, if any. */
  quorumKey(totalWeight: number): string | null {
    for (const [key, w] of this.weightByKey) if (isQuorum(w, totalWeight)) return key;
    return null;
  }

  votesFor(key: string): SignedVote[] {
    return [...(this.byKey.get(key)?.values() ?? [])];
  }

  all(): SignedVote[] {
    return [...this.byKey.values()].flatMap((m) => [...m.values()]);
  }

  voters(): string[] {
    return [...this.first.keys()];
  }
}
