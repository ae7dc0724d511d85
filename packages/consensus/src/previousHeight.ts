import type { SignedVote } from '@v2g/core';
import type { HeightRecord } from './heightRecord.ts';
import { type Committee, memberIndex } from './selectCommittee.ts';

/**
 * What a LEAG saw of the height before the one it is deciding. A vote of
 * that height can still arrive after the decision (an equivocator's second
 * version reaches some LEAGs late, after a quorum formed without it); it is
 * checked against the votes seen there, so the equivocation still becomes
 * evidence. Such a vote counts for nothing else.
 */
export class PreviousHeight {
  private readonly committee: Committee;
  private readonly seen: HeightRecord;

  constructor(committee: Committee, seen: HeightRecord) {
    this.committee = committee;
    this.seen = seen;
  }

  /** The evidence pair the first time `vote` conflicts with a vote its voter signed before; otherwise null. */
  conflictOf(
    vote: SignedVote,
    verify: (vote: SignedVote) => boolean,
  ): { first: SignedVote; second: SignedVote } | null {
    if (this.seen.has(vote)) return null;
    const i = memberIndex(this.committee, vote.voter);
    if (i < 0 || !verify(vote)) return null;
    const added = this.seen.addVote(vote, this.committee.members[i]!.weight);
    if (added.kind !== 'conflict' || !this.seen.firstConflict(added.existing)) return null;
    return { first: added.existing, second: vote };
  }
}
