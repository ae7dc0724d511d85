import {
  type BlockContext,
  BlockError,
  bytesEqual,
  type ConsensusParams,
  Keys,
  type LeagRecord,
  leagCodec,
  type Rules,
  readTip,
  type StateView,
  verifyVote,
} from '@v2g/core';
import { verifyCertificate } from '../certificate.ts';
import { memberIndex, selectCommittee } from '../selectCommittee.ts';
import type { VoteVerifier } from '../voteVerifier.ts';
import { COMMITTEE_HISTORY, ConsensusKeys, committeeCodec, leaderRotationCodec } from './committeeRecord.ts';

/** The rotation wraps here (any common multiple of committee sizes would do; 2^32 keeps it a small uint). */
const ROTATION_MODULUS = 2 ** 32;

import { evidenceRule } from './evidenceRule.ts';
import { reinstateRule } from './reinstateRule.ts';
import { clampPpm } from './reputation.ts';

function adjustLeag(view: StateView, key: Uint8Array, delta: number): void {
  const k = Keys.leag(key);
  const record = view.read(leagCodec, k);
  if (!record) return;
  const next: LeagRecord = { ...record, reputationPpm: clampPpm(record.reputationPpm + delta) };
  if (next.reputationPpm !== record.reputationPpm) view.write(leagCodec, k, next);
}

/** An absence is charged for at most this many block intervals per block (a long stall is not the absent LEAG's doing alone). */
export const MAX_ABSENCE_INTERVALS = 10;

/**
 * What one missing commit vote costs: `absentLossPpm` per block interval
 * that passed since the parent block, so the cost of an outage is measured
 * in time, not in blocks (decision 0012).
 */
export function absenceLoss(params: ConsensusParams, elapsedMs: number): number {
  const interval = Math.max(1, params.blockIntervalMs);
  const intervals = Math.min(MAX_ABSENCE_INTERVALS, Math.max(1, Math.floor(elapsedMs / interval)));
  return params.absentLossPpm * intervals;
}

/**
 * Absence alone never takes a LEAG below R_min: a LEAG that was down keeps
 * its eligibility (its weight, and with it its say in quorums, shrinks to
 * the floor) and earns its way back by signing again. Only evidence of
 * equivocation or a failed reinstatement excludes a LEAG (decision 0012).
 */
function loseForAbsence(view: StateView, key: Uint8Array, loss: number, floor: number): void {
  const record = view.read(leagCodec, Keys.leag(key));
  if (!record || record.reputationPpm <= floor) return;
  const next = Math.max(floor, record.reputationPpm - loss);
  view.write(leagCodec, Keys.leag(key), { ...record, reputationPpm: next });
}

/**
 * DESIGN §5, at the start of block h (state at h − 1):
 * - the committee for h comes from this state; the proposer must be in it;
 * - block h carries the certificate of block h − 1, valid for the committee
 *   that signed it (kept in state from block h − 1);
 * - then LEAG reputation moves: the proposer of h gains, every member of the
 *   certificate's committee whose commit vote is in it gains a little, every
 *   member missing from it loses in proportion to the time since the parent
 *   block, down to R_min and no further. Clamped to [0, 1].
 */
export function beginBlockConsensus(ctx: BlockContext, verify: VoteVerifier = verifyVote): void {
  const { view, header, block, genesis } = ctx;
  const params = genesis.params.consensus;
  const selection = selectCommittee(view, params);
  if (!selection.ok) throw new BlockError({ code: 'no-committee', reason: selection.reason });
  const committee = selection.committee;
  if (memberIndex(committee, header.proposer) < 0) {
    throw new BlockError({
      code: 'wrong-proposer',
      reason: 'the proposer is not in the committee for this height',
    });
  }

  const cert = block.lastCommit;
  if (header.height === 1) {
    if (cert !== null)
      throw new BlockError({ code: 'invalid-certificate', reason: 'block 1 has no parent to certify' });
  } else {
    if (cert === null)
      throw new BlockError({ code: 'invalid-certificate', reason: 'missing certificate of the parent' });
    if (cert.height !== header.height - 1 || !bytesEqual(cert.blockHash, header.parentHash)) {
      throw new BlockError({
        code: 'invalid-certificate',
        reason: 'the certificate is not for the parent block',
      });
    }
    const signedBy = view.read(committeeCodec, ConsensusKeys.committee(cert.height));
    if (!signedBy) {
      throw new BlockError({
        code: 'invalid-certificate',
        reason: `no committee recorded for height ${cert.height}`,
      });
    }
    const check = verifyCertificate(cert, signedBy, genesis.chainId, verify);
    if (!check.ok) throw new BlockError({ code: 'invalid-certificate', reason: check.reason });
    const absence = absenceLoss(params, header.timestamp - readTip(view).timestamp);
    for (const m of signedBy.members) {
      const signed = cert.signatures.some((s) => bytesEqual(s.voter, m.publicKey));
      if (signed) adjustLeag(view, m.publicKey, params.signerGainPpm);
      else loseForAbsence(view, m.publicKey, absence, params.rMinPpm);
    }
  }
  adjustLeag(view, header.proposer, params.proposerGainPpm);

  view.write(committeeCodec, ConsensusKeys.committee(header.height), committee);
  if (header.round > 0) {
    // The leaders of rounds 0 … round − 1 of this height made no block: later heights start
    // their leader order past them, so a dead leader costs one height, not every height.
    const rotation = view.read(leaderRotationCodec, ConsensusKeys.leaderRotation)?.offset ?? 0;
    view.write(leaderRotationCodec, ConsensusKeys.leaderRotation, {
      offset: (rotation + header.round) % ROTATION_MODULUS,
    });
  }
  if (header.height > COMMITTEE_HISTORY)
    view.delete(ConsensusKeys.committee(header.height - COMMITTEE_HISTORY));
}

/** The consensus part of the state machine; combine with the ledger and market rules. */
export interface ConsensusRulesOptions {
  /** A shared (cached) vote verifier; results are the same, only faster. */
  readonly verifyVote?: VoteVerifier;
}

export function consensusRules(options: ConsensusRulesOptions = {}): Partial<Rules> {
  const verify = options.verifyVote ?? verifyVote;
  return {
    beginBlock: [(ctx) => beginBlockConsensus(ctx, verify)],
    tx: { evidence: evidenceRule, reinstate: reinstateRule },
  };
}
