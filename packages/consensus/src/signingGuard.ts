import { bytesEqual, type SignedVote, type VoteType } from '@v2g/core';
import type { LockState, SigningState, Step } from './interface.ts';

/** Older rounds' votes beyond this are dropped: they can never be re-signed, only no longer re-sent. */
const MAX_KEPT_VOTES = 1024;

export const NO_LOCK: LockState = { lock: null, lockedBlock: null, polka: [] };

const STEP_ORDER: Record<Step, number> = { propose: 0, prepare: 1, commit: 2 };

/** Orders (height, round, step) lexicographically. */
export function compareHrs(
  a: { height: number; round: number; step: Step },
  b: { height: number; round: number; step: Step },
): number {
  return a.height - b.height || a.round - b.round || STEP_ORDER[a.step] - STEP_ORDER[b.step];
}

export type SignDecision =
  | { readonly kind: 'sign' }
  /** This exact vote was signed before (maybe before a restart): re-send it, never sign anew. */
  | { readonly kind: 'resend'; readonly vote: SignedVote }
  /** Refused; `signed` is what this LEAG did sign at that (height, round, type), if anything. */
  | { readonly kind: 'refuse'; readonly signed: SignedVote | null };

/**
 * DESIGN §5, crash safety: a LEAG signs only at a (height, round, step)
 * strictly above the last one it signed, so it can never sign two different
 * votes for one (height, round, type), even across a restart.
 */
export class SigningGuard {
  private current: SigningState | null;

  constructor(restored: SigningState | null) {
    this.current = restored;
  }

  get state(): SigningState | null {
    return this.current;
  }

  checkVote(height: number, round: number, type: VoteType, blockHash: Uint8Array | null): SignDecision {
    const last = this.current;
    if (last === null) return { kind: 'sign' };
    const cmp = compareHrs({ height, round, step: type }, last);
    if (cmp > 0) return { kind: 'sign' };
    const same = last.votes.find((v) => v.height === height && v.round === round && v.type === type);
    if (same && sameHash(same.blockHash, blockHash)) return { kind: 'resend', vote: same };
    return { kind: 'refuse', signed: same ?? null };
  }

  canPropose(height: number, round: number): boolean {
    const last = this.current;
    return last === null || compareHrs({ height, round, step: 'propose' }, last) > 0;
  }

  /** Records a signature; the caller persists the returned state before sending anything it covers. */
  recordVote(vote: SignedVote, lock: LockState): SigningState {
    // All votes of the height are kept: after a restart they are counted and re-sent, and the
    // rounds they close may be exactly what slower peers still need.
    const keep = (this.current?.votes ?? [])
      .filter((v) => v.height === vote.height)
      .slice(-MAX_KEPT_VOTES + 1);
    this.current = {
      height: vote.height,
      round: vote.round,
      step: vote.type,
      ...lock,
      votes: [...keep, vote],
    };
    return this.current;
  }

  recordProposal(height: number, round: number, lock: LockState): SigningState {
    const votes = (this.current?.votes ?? []).filter((v) => v.height === height);
    this.current = { height, round, step: 'propose', ...lock, votes };
    return this.current;
  }

  /** Votes signed at `height` (after a restart: what must be counted and re-sent, never re-signed). */
  votesAt(height: number): readonly SignedVote[] {
    return this.current !== null && this.current.height === height ? this.current.votes : [];
  }

  /** The lock to restore when the engine resumes at `height`. */
  lockAt(height: number): LockState {
    const s = this.current;
    if (s === null || s.height !== height) return NO_LOCK;
    return { lock: s.lock, lockedBlock: s.lockedBlock, polka: s.polka };
  }
}

function sameHash(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b);
}
