import type { Tx, VoteType } from '../tx/types.ts';

export interface BlockHeader {
  readonly version: 1;
  readonly chainId: string;
  readonly height: number;
  readonly parentHash: Uint8Array;
  /** RFC 6962 root over the blocks' transaction hashes. */
  readonly txRoot: Uint8Array;
  /** Digest of the state after this block (see state/stateDigest.ts). */
  readonly stateRoot: Uint8Array;
  /** H(lastCommit): the certificate changes LEAG reputation, so the header binds it. */
  readonly lastCommitHash: Uint8Array;
  /** Milliseconds since the Unix epoch, as proposed by the leader. */
  readonly timestamp: number;
  readonly proposer: Uint8Array;
  readonly round: number;
}

export interface CommitSignature {
  readonly voter: Uint8Array;
  readonly signature: Uint8Array;
}

/** Commit votes of more than 2/3 of the committee's weight for one block, sorted by voter. */
export interface CommitCertificate {
  readonly height: number;
  readonly round: number;
  readonly blockHash: Uint8Array;
  readonly signatures: readonly CommitSignature[];
}

export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly Tx[];
  /** The certificate that committed the parent; null only for height 1. */
  readonly lastCommit: CommitCertificate | null;
}

export interface Vote {
  readonly type: VoteType;
  readonly height: number;
  readonly round: number;
  readonly blockHash: Uint8Array | null;
}
