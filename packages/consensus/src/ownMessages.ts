import { blockHash, type SignedVote, toHex, type VoteType, voteSigningPayload } from '@v2g/core';
import type { BlockValidator, EngineAction, LockState, Signer } from './interface.ts';
import type { LastCommitCollector } from './lastCommitCollector.ts';
import { type Proposal, proposalSigningPayload } from './messages.ts';
import type { RoundState } from './roundState.ts';
import type { SigningGuard } from './signingGuard.ts';

export interface OwnMessagesComponents {
  readonly chainId: string;
  readonly signer: Signer;
  readonly validator: BlockValidator;
  readonly guard: SigningGuard;
  readonly lastCommit: LastCommitCollector;
  readonly emit: (action: EngineAction) => void;
}

/**
 * What this LEAG signs: its proposal when it leads a round, and its votes.
 * Each goes past the signing guard, and its persist action is emitted before
 * the broadcast, so the store records it before anyone can see it.
 */
export class OwnMessages {
  private readonly c: OwnMessagesComponents;

  constructor(components: OwnMessagesComponents) {
    this.c = components;
  }

  /** Proposes in `round`, which we lead: the valid block if we hold one (with its polka), else a new one. */
  propose(s: RoundState, round: number): void {
    const { chainId, signer, guard } = this.c;
    if (!guard.canPropose(s.height, round)) return;
    const lastCommit = this.c.lastCommit.forProposal();
    const reuse = s.validBlock;
    const block = reuse ?? this.c.validator.propose(s.height, round, lastCommit);
    const hash = blockHash(block.header);
    const validRound = reuse ? s.validRound : null;
    const payload = proposalSigningPayload(chainId, {
      height: s.height,
      round,
      validRound,
      blockHash: hash,
    });
    const proposal: Proposal = {
      height: s.height,
      round,
      validRound,
      block,
      proposer: signer.publicKey,
      signature: signer.sign(payload),
    };
    this.c.emit({
      type: 'persist',
      state: guard.recordProposal(s.height, round, lockState(s)),
    });
    this.c.emit({ type: 'broadcast', message: { kind: 'proposal', ...proposal } });
    this.sendPolka(s, proposal, hash);
    s.seen.proposals.set(round, proposal);
    s.seen.proposalHashes.set(round, hash);
    s.seen.noteRoundBlock(round, toHex(hash), block);
    // The proposer built the block itself from its own state.
    if (!reuse) s.seen.validity.set(toHex(hash), { ok: true });
  }

  /** A re-proposal is only accepted with the prepare quorum of its valid round: send those votes along. */
  private sendPolka(s: RoundState, proposal: Proposal, hash: Uint8Array): void {
    for (const vote of s.seen.polkaOf(proposal, hash))
      this.c.emit({ type: 'broadcast', message: { kind: 'vote', vote } });
  }

  /** Signs and broadcasts our vote in the current round; returns it to be counted, or null if refused. */
  vote(s: RoundState, type: VoteType, hash: Uint8Array | null): SignedVote | null {
    const { chainId, signer, guard } = this.c;
    const decision = guard.checkVote(s.height, s.round, type, hash);
    if (decision.kind === 'refuse') {
      // Signed differently before a restart: that vote stands, and peers may still need it.
      if (decision.signed)
        this.c.emit({ type: 'broadcast', message: { kind: 'vote', vote: decision.signed } });
      return null;
    }
    let vote: SignedVote;
    if (decision.kind === 'resend') vote = decision.vote;
    else {
      const unsigned = { type, height: s.height, round: s.round, blockHash: hash };
      const sig = signer.sign(voteSigningPayload(chainId, unsigned));
      vote = { ...unsigned, voter: signer.publicKey, signature: sig };
      this.c.emit({ type: 'persist', state: guard.recordVote(vote, lockState(s)) });
    }
    this.c.emit({ type: 'broadcast', message: { kind: 'vote', vote } });
    return vote;
  }
}

function lockState(s: RoundState): LockState {
  return { lock: s.lock, lockedBlock: s.lockedBlock, polka: s.polka };
}
