import { type SignedVote, toHex, verifyVote } from '@v2g/core';

/** Checks a signed vote for one chain. The engine and the rules take one, so a driver can share a cache. */
export type VoteVerifier = (chainId: string, vote: SignedVote) => boolean;

/**
 * A verifier that remembers votes that verified, keyed by every signed field
 * and the signature, so a vote seen by gossip validation, the engine and a
 * certificate check costs one signature check. Only successes are kept (a
 * forged vote cannot evict good entries faster than `limit` new good votes).
 */
export function cachedVoteVerifier(limit = 65_536): VoteVerifier {
  let known = new Set<string>();
  return (chainId, vote) => {
    const key = `${chainId}|${vote.type}|${vote.height}|${vote.round}|${vote.blockHash === null ? '-' : toHex(vote.blockHash)}|${toHex(vote.voter)}|${toHex(vote.signature)}`;
    if (known.has(key)) return true;
    if (!verifyVote(chainId, vote)) return false;
    if (known.size >= limit) known = new Set();
    known.add(key);
    return true;
  };
}
