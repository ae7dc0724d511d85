import { type KeyPair, signMessage, verifySignature } from '../crypto/ed25519.ts';
import { Domain, signingPayload } from '../domain.ts';
import type { SignedVote } from '../tx/types.ts';
import type { Vote } from './types.ts';

/** A vote signs `[tag, chainId, type, height, round, blockHash|null]`: bound to chain, step, height and round. */
export function voteSigningPayload(chainId: string, vote: Vote): Uint8Array {
  return signingPayload(Domain.vote, chainId, [vote.type, vote.height, vote.round, vote.blockHash]);
}

export function signVote(chainId: string, vote: Vote, key: KeyPair): SignedVote {
  const sig = signMessage(key.secretKey, voteSigningPayload(chainId, vote));
  return { ...vote, voter: key.publicKey, signature: sig };
}

export function verifyVote(chainId: string, vote: SignedVote): boolean {
  return verifySignature(vote.signature, voteSigningPayload(chainId, vote), vote.voter);
}
