import {
  type Block,
  blockCodec,
  type Codec,
  type CommitCertificate,
  certificateCodec,
  Domain,
  decode,
  encode,
  MAX_BLOCK_BYTES,
  nullable,
  publicKey,
  type SignedVote,
  signature,
  signedVoteCodec,
  signingPayload,
  uint,
  variant,
} from '@v2g/core';

/**
 * A leader's proposal for (height, round). `validRound` is null for a fresh
 * block; otherwise it names the earlier round in which this block gathered a
 * prepare quorum (Tendermint's re-proposal of a valid value), and then
 * `block.header.round`/`proposer` keep the values of the round that made it.
 */
export interface Proposal {
  readonly height: number;
  readonly round: number;
  readonly validRound: number | null;
  readonly block: Block;
  readonly proposer: Uint8Array;
  readonly signature: Uint8Array;
}

export type ConsensusMessage =
  | ({ readonly kind: 'proposal' } & Proposal)
  | { readonly kind: 'vote'; readonly vote: SignedVote }
  /** A decided block with its certificate: lets a LEAG that missed the votes follow (DESIGN §5). */
  | { readonly kind: 'decision'; readonly block: Block; readonly certificate: CommitCertificate };

export const consensusMessageCodec: Codec<ConsensusMessage> = variant<ConsensusMessage>({
  proposal: {
    height: uint,
    round: uint,
    validRound: nullable(uint),
    block: blockCodec,
    proposer: publicKey,
    signature,
  },
  vote: { vote: signedVoteCodec },
  decision: { block: blockCodec, certificate: certificateCodec },
});

/** A block plus its certificate and envelope; anything larger is refused before parsing. */
export const MAX_CONSENSUS_MESSAGE_BYTES = MAX_BLOCK_BYTES + 64 * 1024;

export function encodeConsensusMessage(message: ConsensusMessage): Uint8Array {
  return encode(consensusMessageCodec, message);
}

/** Throws DecodeError on oversized, non-canonical or malformed input. */
export function decodeConsensusMessage(
  bytes: Uint8Array,
  maxSize = MAX_CONSENSUS_MESSAGE_BYTES,
): ConsensusMessage {
  return decode(consensusMessageCodec, bytes, maxSize);
}

/** A proposal signs `[tag, chainId, height, round, validRound|null, blockHash]`. */
export function proposalSigningPayload(
  chainId: string,
  p: { height: number; round: number; validRound: number | null; blockHash: Uint8Array },
): Uint8Array {
  return signingPayload(Domain.proposal, chainId, [p.height, p.round, p.validRound, p.blockHash]);
}
