import type { Block, SignedVote } from '@v2g/core';
import type { HeightRecord } from './heightRecord.ts';
import type { Lock, Step } from './interface.ts';
import type { Committee } from './selectCommittee.ts';

export type EngineStep = Step | 'start' | 'decided' | 'stopped';

/** Messages further than this many rounds ahead are dropped: stale- or future-round spam cannot grow memory. */
export const MAX_ROUNDS_AHEAD = 64;

/**
 * Where the engine stands and Tendermint's state variables (lockedValue,
 * lockedRound, validValue, validRound), with what it has received at this
 * height. The engine, the upon-rules and the peer relay read and update this
 * one record.
 */
export interface RoundState {
  height: number;
  round: number;
  step: EngineStep;
  committee: Committee;
  /** Added to the round when picking its leader (decision 0014). */
  leaderRotation: number;
  lock: Lock | null;
  lockedBlock: Block | null;
  /** The prepare quorum behind `lock`, sent along when we re-propose the locked block. */
  polka: readonly SignedVote[];
  validBlock: Block | null;
  validRound: number;
  /** Replaced with an empty record at every new height. */
  seen: HeightRecord;
}

export function tooFarAhead(s: RoundState, round: number): boolean {
  return round > s.round + MAX_ROUNDS_AHEAD;
}
