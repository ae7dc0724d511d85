import {
  type Block,
  blockHash,
  bytesEqual,
  type CommitCertificate,
  type ConsensusParams,
  toHex,
  type VoteType,
} from '@v2g/core';
import { certificateFrom } from './certificate.ts';
import type { Step } from './interface.ts';
import { exceedsOneThird, isQuorum } from './quorum.ts';
import type { RoundState } from './roundState.ts';
import { NIL, voteKey } from './voteSet.ts';

/** What the upon-rules call back into the engine for: block checks and the steps that sign or emit. */
export interface RuleActions {
  readonly params: ConsensusParams;
  /** Valid, and acceptable by local policy: what a prepare vote requires. */
  isPreparable(block: Block, hash: Uint8Array): boolean;
  isValid(block: Block, hash: Uint8Array): boolean;
  vote(type: VoteType, hash: Uint8Array | null): void;
  startRound(round: number): void;
  schedule(step: Step, delayMs: number): void;
  decide(block: Block, certificate: CommitCertificate): void;
}

/** Applies every rule whose condition holds, until none does. */
export function progress(s: RoundState, act: RuleActions): void {
  for (let guard = 0; guard < 1000; guard++) {
    if (!step1(s, act)) return;
  }
}

/** One pass over the upon-rules; true when something changed (so conditions must be re-read). */
function step1(s: RoundState, act: RuleActions): boolean {
  if (s.step === 'stopped' || s.step === 'decided') return false;
  if (tryDecide(s, act)) return true;
  if (s.step === 'start') return false;
  const total = s.committee.totalWeight;
  const r = s.round;
  const proposal = s.seen.proposals.get(r);
  const prepares = s.seen.prepares.get(r);

  const proposalHash = s.seen.proposalHashes.get(r);
  if (s.step === 'propose' && proposal && proposalHash) {
    const hash = proposalHash;
    const vr = proposal.validRound;
    if (vr === null) {
      // Line 22: prepare the proposal if it is valid and we are not locked on another block.
      const ok =
        act.isPreparable(proposal.block, hash) && (s.lock === null || bytesEqual(s.lock.blockHash, hash));
      act.vote('prepare', ok ? hash : null);
      s.step = 'prepare';
      return true;
    }
    const polka = s.seen.prepares.get(vr)?.weightFor(voteKey(hash)) ?? 0;
    if (isQuorum(polka, total)) {
      // Line 28: a re-proposal backed by a prepare quorum at vr may unlock a lock from before vr.
      const free = s.lock === null || s.lock.round <= vr || bytesEqual(s.lock.blockHash, hash);
      act.vote('prepare', act.isPreparable(proposal.block, hash) && free ? hash : null);
      s.step = 'prepare';
      return true;
    }
  }

  if (prepares && (s.step === 'prepare' || s.step === 'commit')) {
    const key = s.seen.polkaRounds.has(r) ? null : prepares.quorumKey(total);
    const block = key === null || key === NIL ? undefined : s.seen.roundBlocks.get(r)?.get(key);
    if (key !== null && block !== undefined) {
      const hash = blockHash(block.header);
      if (act.isValid(block, hash)) {
        // Line 36: a prepare quorum for a valid proposal: lock on it, commit-vote it, and remember it as valid.
        s.seen.polkaRounds.add(r);
        if (s.step === 'prepare') {
          s.lock = { round: r, blockHash: hash };
          s.lockedBlock = block;
          s.polka = prepares.votesFor(key);
          act.vote('commit', hash);
          s.step = 'commit';
        }
        s.validBlock = block;
        s.validRound = r;
        return true;
      }
    }
    if (s.step === 'prepare' && isQuorum(prepares.weightFor(NIL), total)) {
      // Line 44: a nil quorum.
      act.vote('commit', null);
      s.step = 'commit';
      return true;
    }
    if (s.step === 'prepare' && !s.seen.prepareTimeouts.has(r) && isQuorum(prepares.weight, total)) {
      // Line 34: a quorum of any prepares starts the prepare timeout.
      s.seen.prepareTimeouts.add(r);
      act.schedule('prepare', act.params.timeoutVoteMs + r * act.params.timeoutDeltaMs);
      return true;
    }
  }

  const commits = s.seen.commits.get(r);
  if (commits && !s.seen.commitTimeouts.has(r) && isQuorum(commits.weight, total)) {
    // Line 47: a quorum of any commit votes starts the commit timeout.
    s.seen.commitTimeouts.add(r);
    act.schedule('commit', act.params.timeoutVoteMs + r * act.params.timeoutDeltaMs);
    return true;
  }

  if (adoptLaterPolka(s, act)) return true;

  // Line 55: more than 1/3 of the weight is already in a later round: join it.
  const later = laterRoundWithWeight(s);
  if (later !== null) {
    act.startRound(later);
    return true;
  }
  return false;
}

/**
 * A prepare quorum seen late (after its round ended) for a block we hold
 * still makes that block our valid block, to re-propose when we lead. This
 * only steers what we propose (safety rests on the lock rules, which every
 * voter applies to a re-proposal's valid round itself); it lets LEAGs that
 * missed a quorum in time unblock a height on which others are locked.
 * Tendermint updates the valid block only within the current round.
 */
function adoptLaterPolka(s: RoundState, act: RuleActions): boolean {
  const total = s.committee.totalWeight;
  for (const [r, set] of s.seen.prepares) {
    // The current round is line 36's; earlier rounds only.
    if (r <= s.validRound || r >= s.round) continue;
    const key = set.quorumKey(total);
    if (key === null || key === NIL) continue;
    const block = s.seen.blocks.get(key);
    if (!block || !act.isValid(block, blockHash(block.header))) continue;
    s.validBlock = block;
    s.validRound = r;
    return true;
  }
  return false;
}

function laterRoundWithWeight(s: RoundState): number | null {
  const rounds = new Set<number>();
  for (const r of s.seen.prepares.keys()) if (r > s.round) rounds.add(r);
  for (const r of s.seen.commits.keys()) if (r > s.round) rounds.add(r);
  let best: number | null = null;
  for (const r of rounds) {
    if (best !== null && r <= best) continue;
    const voters = new Set([
      ...(s.seen.prepares.get(r)?.voters() ?? []),
      ...(s.seen.commits.get(r)?.voters() ?? []),
    ]);
    let w = 0;
    for (const m of s.committee.members) if (voters.has(toHex(m.publicKey))) w += m.weight;
    if (exceedsOneThird(w, s.committee.totalWeight)) best = r;
  }
  return best;
}

/** Line 49: a commit quorum for a block we hold (from any round) decides it. */
function tryDecide(s: RoundState, act: RuleActions): boolean {
  for (const [, set] of s.seen.commits) {
    const key = set.quorumKey(s.committee.totalWeight);
    if (key === null || key === NIL) continue;
    const block = s.seen.blocks.get(key);
    if (!block) continue;
    if (!act.isValid(block, blockHash(block.header))) continue;
    act.decide(block, certificateFrom(set.votesFor(key)));
    return true;
  }
  return false;
}
