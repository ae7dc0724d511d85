import { type Codec, list, publicKey, type StateReader, StateView, struct, uint } from '@v2g/core';
import type { Committee, CommitteeMember } from '../selectCommittee.ts';

/**
 * The committee of each recent height is kept in state, so that a block's
 * certificate is checked against the committee that actually signed it
 * (selected from the state one block earlier), and a reinstate's approvals
 * against the committee of the height it names. Bucket names are part of the
 * state digest: never rename one.
 */
export const ConsensusKeys = {
  committee: (height: number) => `consensus-committee/${height}`,
  evidence: (voterHex: string, height: number, round: number, type: string) =>
    `evidence/${voterHex}:${height}:${round}:${type}`,
  reinstated: (role: string, targetHex: string, height: number) =>
    `reinstated/${role}:${targetHex}:${height}`,
  /** How far leadership has rotated past the ranking (decision 0014). */
  leaderRotation: 'consensus-leader/rotation',
} as const;

export const leaderRotationCodec: Codec<{ readonly offset: number }> = struct<{ offset: number }>({
  offset: uint,
});

/** Rounds added to every height's round when picking its leader: the sum of the rounds earlier blocks needed. */
export function readLeaderRotation(state: StateReader): number {
  return new StateView(state).read(leaderRotationCodec, ConsensusKeys.leaderRotation)?.offset ?? 0;
}

/** How many heights of committees the state keeps: the life of a reinstate approval. */
export const COMMITTEE_HISTORY = 64;

export const committeeCodec: Codec<Committee> = struct<Committee>({
  members: list(struct<CommitteeMember>({ publicKey, weight: uint }), 1024),
  totalWeight: uint,
});
