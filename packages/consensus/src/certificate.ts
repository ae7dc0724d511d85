import { type CommitCertificate, compareBytes, type SignedVote, toHex, verifyVote } from '@v2g/core';
import { isQuorum } from './quorum.ts';
import { type Committee, weightOf } from './selectCommittee.ts';
import type { VoteVerifier } from './voteVerifier.ts';

export type CertificateCheck =
  | { readonly ok: true; readonly weight: number }
  | { readonly ok: false; readonly reason: string };

/**
 * A certificate is valid when its signatures are sorted by voter with no
 * repeats, each is a committee member's commit vote for (height, round,
 * blockHash) on this chain, and together they weigh more than 2/3 of the
 * committee. Any one bad signature invalidates it: the proposer must not pad.
 */
export function verifyCertificate(
  cert: CommitCertificate,
  committee: Committee,
  chainId: string,
  verify: VoteVerifier = verifyVote,
): CertificateCheck {
  let weight = 0;
  for (let i = 0; i < cert.signatures.length; i++) {
    const s = cert.signatures[i]!;
    if (i > 0 && compareBytes(cert.signatures[i - 1]!.voter, s.voter) >= 0) {
      return { ok: false, reason: 'signatures must be sorted by voter, each voter once' };
    }
    const w = weightOf(committee, s.voter);
    if (w === 0 && !committee.members.some((m) => compareBytes(m.publicKey, s.voter) === 0)) {
      return { ok: false, reason: `signer ${toHex(s.voter)} is not in the committee` };
    }
    const vote: SignedVote = {
      type: 'commit',
      height: cert.height,
      round: cert.round,
      blockHash: cert.blockHash,
      voter: s.voter,
      signature: s.signature,
    };
    if (!verify(chainId, vote))
      return { ok: false, reason: `signature of ${toHex(s.voter)} does not verify` };
    weight += w;
  }
  if (!isQuorum(weight, committee.totalWeight)) {
    return {
      ok: false,
      reason: `signers weigh ${weight} of ${committee.totalWeight}; more than 2/3 is required`,
    };
  }
  return { ok: true, weight };
}

/** Builds a certificate from commit votes for one block (any order, duplicates dropped). */
export function certificateFrom(votes: readonly SignedVote[]): CommitCertificate {
  const first = votes[0];
  if (!first || first.blockHash === null)
    throw new RangeError('a certificate needs commit votes for a block');
  const byVoter = new Map<string, SignedVote>();
  for (const v of votes) byVoter.set(toHex(v.voter), v);
  const signatures = [...byVoter.values()]
    .sort((a, b) => compareBytes(a.voter, b.voter))
    .map((v) => ({ voter: v.voter, signature: v.signature }));
  return { height: first.height, round: first.round, blockHash: first.blockHash, signatures };
}
