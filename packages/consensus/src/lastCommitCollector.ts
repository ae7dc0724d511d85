import { bytesEqual, type CommitCertificate, type SignedVote } from '@v2g/core';
import { certificateFrom } from './certificate.ts';
import type { HeightStart } from './interface.ts';
import { type Committee, memberIndex } from './selectCommittee.ts';
import { VoteSet, voteKey } from './voteSet.ts';
import type { VoteVerifier } from './voteVerifier.ts';

/** The height we just decided, whose late commit votes may still arrive. */
export interface DecidedHeight {
  readonly committee: Committee;
  readonly commits: ReadonlyMap<number, VoteSet>;
}

/**
 * The certificate of the previous height, which our next proposal carries,
 * extended with the commit votes for it that arrive after the decision.
 */
export class LastCommitCollector {
  private readonly chainId: string;
  private readonly verify: VoteVerifier;
  private cert: CommitCertificate | null = null;
  private committee: Committee | null = null;
  private votes: VoteSet | null = null;
  /** Late commit votes arrived since the certificate was last rebuilt (rebuilt only when proposing). */
  private grew = false;

  constructor(chainId: string, verify: VoteVerifier) {
    this.chainId = chainId;
    this.verify = verify;
  }

  /**
   * A new height begins with the driver's certificate of the one before;
   * `decided` is the height before it when we decided that one ourselves.
   */
  begin(start: HeightStart, decided: DecidedHeight | null): void {
    // When the driver starts the height after our own decision, keep collecting late commit
    // votes for it: a fuller certificate rewards every member that did sign (DESIGN §5).
    const own = this.cert;
    const continues =
      decided !== null &&
      own !== null &&
      start.lastCommit !== null &&
      bytesEqual(own.blockHash, start.lastCommit.blockHash) &&
      own.round === start.lastCommit.round;
    this.votes = null;
    this.grew = false;
    if (continues) {
      this.committee = start.lastCommittee ?? decided.committee;
      this.votes = decided.commits.get(own.round) ?? null;
      const more = this.votes?.votesFor(voteKey(own.blockHash)) ?? [];
      if (more.length > own.signatures.length) this.cert = certificateFrom(more);
    } else {
      this.cert = start.lastCommit;
      this.committee = start.lastCommittee ?? null;
    }
  }

  /** Our own decision at the current height: its certificate is the one `begin` may continue. */
  decided(certificate: CommitCertificate): void {
    this.cert = certificate;
  }

  /** The certificate to put in a block we propose, rebuilt first if late votes arrived. */
  forProposal(): CommitCertificate | null {
    if (this.grew && this.votes && this.cert) {
      this.cert = certificateFrom(this.votes.votesFor(voteKey(this.cert.blockHash)));
      this.grew = false;
    }
    return this.cert;
  }

  /** A commit vote of the height before ours: counted if it signs the certificate's block and round. */
  extend(vote: SignedVote): void {
    const cert = this.cert;
    const committee = this.committee;
    if (vote.type !== 'commit' || cert === null || committee === null) return;
    if (vote.round !== cert.round || vote.blockHash === null || !bytesEqual(vote.blockHash, cert.blockHash))
      return;
    const i = memberIndex(committee, vote.voter);
    if (i < 0) return;
    if (!this.votes) {
      // Seed the set with the certificate's own signatures (already verified when it was formed).
      this.votes = new VoteSet();
      for (const s of cert.signatures) {
        const j = memberIndex(committee, s.voter);
        if (j < 0) continue;
        const v = {
          type: 'commit' as const,
          height: cert.height,
          round: cert.round,
          blockHash: cert.blockHash,
        };
        this.votes.add({ ...v, voter: s.voter, signature: s.signature }, committee.members[j]!.weight);
      }
    }
    if (this.votes.has(vote) || !this.verify(this.chainId, vote)) return;
    this.votes.add(vote, committee.members[i]!.weight);
    this.grew = true;
  }
}
