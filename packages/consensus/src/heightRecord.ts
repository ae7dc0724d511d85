import { type Block, type SignedVote, toHex } from '@v2g/core';
import type { Validation } from './interface.ts';
import type { Proposal } from './messages.ts';
import { type AddResult, VoteSet, voteKey } from './voteSet.ts';

/**
 * What the engine has received and concluded at one height, by round: the
 * proposals, their blocks, the votes, block verdicts, and which once-per-round
 * upon-rules have fired. Votes and proposals must be verified before they are
 * recorded. A new height starts with an empty record.
 */
export class HeightRecord {
  readonly proposals = new Map<number, Proposal>();
  readonly proposalHashes = new Map<number, Uint8Array>();
  /** Every validly signed proposal of each round (an equivocating leader sends several), by block hash. */
  readonly roundBlocks = new Map<number, Map<string, Block>>();
  readonly prepares = new Map<number, VoteSet>();
  readonly commits = new Map<number, VoteSet>();
  readonly validity = new Map<string, Validation>();
  readonly blocks = new Map<string, Block>();
  readonly polkaRounds = new Set<number>();
  readonly prepareTimeouts = new Set<number>();
  readonly commitTimeouts = new Set<number>();
  private readonly reported = new Set<string>();

  /** Whether this exact vote is already counted. */
  has(vote: SignedVote): boolean {
    return this.setsOf(vote).get(vote.round)?.has(vote) ?? false;
  }

  /** Counts a verified vote with its voter's weight. */
  addVote(vote: SignedVote, weight: number): AddResult {
    const sets = this.setsOf(vote);
    let set = sets.get(vote.round);
    if (!set) {
      set = new VoteSet();
      sets.set(vote.round, set);
    }
    return set.add(vote, weight);
  }

  private setsOf(vote: SignedVote): Map<number, VoteSet> {
    return vote.type === 'prepare' ? this.prepares : this.commits;
  }

  /** True the first time a voter is caught equivocating in a (round, type): one evidence each. */
  firstConflict(first: SignedVote): boolean {
    const id = `${toHex(first.voter)}:${first.round}:${first.type}`;
    if (this.reported.has(id)) return false;
    this.reported.add(id);
    return true;
  }

  noteRoundBlock(round: number, key: string, block: Block): void {
    let known = this.roundBlocks.get(round);
    if (!known) {
      known = new Map();
      this.roundBlocks.set(round, known);
    }
    known.set(key, block);
    this.blocks.set(key, block);
  }

  /** The prepare quorum of a re-proposal's valid round, which must travel with it (none for a fresh block). */
  polkaOf(proposal: Proposal, hash: Uint8Array): readonly SignedVote[] {
    if (proposal.validRound === null) return [];
    return this.prepares.get(proposal.validRound)?.votesFor(voteKey(hash)) ?? [];
  }
}
