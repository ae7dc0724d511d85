import {
  type Block,
  blockHash,
  bytesEqual,
  type CommitCertificate,
  type ConsensusParams,
  type SignedVote,
  toHex,
  type VoteType,
  verifySignature,
  verifyVote,
  voteSigningPayload,
} from '@v2g/core';
import { certificateFrom, verifyCertificate } from './certificate.ts';
import type {
  BlockValidator,
  EngineAction,
  HeightStart,
  Lock,
  LockState,
  Signer,
  SigningState,
  Step,
  Timeout,
  Validation,
} from './interface.ts';
import { leaderOf } from './leader.ts';
import { type ConsensusMessage, type Proposal, proposalSigningPayload } from './messages.ts';
import { exceedsOneThird, isQuorum } from './quorum.ts';
import { type Committee, memberIndex } from './selectCommittee.ts';
import { SigningGuard } from './signingGuard.ts';
import { NIL, VoteSet, voteKey } from './voteSet.ts';
import type { VoteVerifier } from './voteVerifier.ts';

export interface EngineConfig {
  readonly chainId: string;
  readonly signer: Signer;
  readonly validator: BlockValidator;
  readonly params: ConsensusParams;
  /** The signing state loaded from the store at start-up (null on first start). */
  readonly restored: SigningState | null;
  /** Signature check for votes; defaults to core's verifyVote (pass `cachedVoteVerifier()` to share work). */
  readonly verifyVote?: VoteVerifier;
}

export type EngineStep = Step | 'start' | 'decided' | 'stopped';

export interface EngineStatus {
  readonly height: number;
  readonly round: number;
  readonly step: EngineStep;
  readonly lock: Lock | null;
  readonly member: boolean;
}

/** Messages further than this many rounds ahead are dropped: stale- or future-round spam cannot grow memory. */
export const MAX_ROUNDS_AHEAD = 64;
/** Distinct proposals kept per round: an equivocating leader cannot make us store more. */
const MAX_PROPOSALS_PER_ROUND = 4;
/** Messages for the next height kept until the driver starts it. */
const MAX_BUFFERED = 4096;

/**
 * The prepare/commit engine (DESIGN §5): Tendermint's algorithm (Buchman,
 * Kwon, Milosevic 2018, "The latest gossip on BFT consensus") with weighted
 * votes. PREPARE is its prevote and COMMIT its precommit. Pure: inputs are
 * messages and timeouts, outputs are actions (see interface.ts); the only
 * calls out are the synchronous signer and block validator.
 */
export class ConsensusEngine {
  private readonly cfg: EngineConfig;
  private readonly guard: SigningGuard;
  private height = 0;
  private round = 0;
  private step: EngineStep = 'stopped';
  private committee: Committee = { members: [], totalWeight: 0 };
  private lastCommit: CommitCertificate | null = null;
  private lastCommittee: Committee | null = null;
  private lastCommitVotes: VoteSet | null = null;
  /** Late commit votes arrived since the certificate was last rebuilt (rebuilt only when proposing). */
  private lastCommitGrew = false;
  private lock: Lock | null = null;
  private lockedBlock: Block | null = null;
  private polka: readonly SignedVote[] = [];
  private validBlock: Block | null = null;
  private validRound = -1;
  private proposals = new Map<number, Proposal>();
  private proposalHashes = new Map<number, Uint8Array>();
  /** Every validly signed proposal of each round (an equivocating leader sends several), by block hash. */
  private roundBlocks = new Map<number, Map<string, Block>>();
  private prepares = new Map<number, VoteSet>();
  private commits = new Map<number, VoteSet>();
  private validity = new Map<string, Validation>();
  private blocks = new Map<string, Block>();
  private polkaRounds = new Set<number>();
  private prepareTimeouts = new Set<number>();
  private commitTimeouts = new Set<number>();
  private reported = new Set<string>();
  private buffered: ConsensusMessage[] = [];
  private behindReported = 0;
  /** (peer, round) pairs already helped since the last resend period. */
  private relayed = new Set<string>();
  /** The highest round each LEAG has signed a message in at this height (hex key → round). */
  private peerRounds = new Map<string, number>();
  private out: EngineAction[] = [];
  private handled = 0;

  private readonly verify: VoteVerifier;

  constructor(cfg: EngineConfig) {
    this.cfg = cfg;
    this.verify = cfg.verifyVote ?? verifyVote;
    this.guard = new SigningGuard(cfg.restored);
  }

  status(): EngineStatus {
    return {
      height: this.height,
      round: this.round,
      step: this.step,
      lock: this.lock,
      member: this.isMember(),
    };
  }

  /** Messages and timeouts handled so far (for metrics and the benchmark). */
  get inputsHandled(): number {
    return this.handled;
  }

  /** The signing state as last recorded (what the store holds once persists complete). */
  get signingState(): SigningState | null {
    return this.guard.state;
  }

  /**
   * Begins `start.height`. Call once at start-up for the height after the
   * stored tip, and after every `commit` action once the block is applied.
   */
  startHeight(start: HeightStart): EngineAction[] {
    if (start.height <= this.height && this.step !== 'stopped') {
      throw new RangeError(`height ${start.height} is not above ${this.height}`);
    }
    // When the driver starts the height after our own decision, keep collecting late commit
    // votes for it: a fuller certificate rewards every member that did sign (DESIGN §5).
    const own = this.lastCommit;
    const continues =
      this.step === 'decided' &&
      this.height === start.height - 1 &&
      own !== null &&
      start.lastCommit !== null &&
      bytesEqual(own.blockHash, start.lastCommit.blockHash) &&
      own.round === start.lastCommit.round;
    this.lastCommitVotes = null;
    this.lastCommitGrew = false;
    if (continues) {
      this.lastCommittee = start.lastCommittee ?? this.committee;
      this.lastCommitVotes = this.commits.get(own.round) ?? null;
      const more = this.lastCommitVotes?.votesFor(voteKey(own.blockHash)) ?? [];
      if (more.length > own.signatures.length) this.lastCommit = certificateFrom(more);
    } else {
      this.lastCommit = start.lastCommit;
      this.lastCommittee = start.lastCommittee ?? null;
    }
    this.height = start.height;
    this.round = 0;
    this.step = 'start';
    this.committee = start.committee;
    const restored = this.guard.lockAt(start.height);
    this.lock = restored.lock;
    this.lockedBlock = restored.lockedBlock;
    this.polka = restored.polka;
    this.validBlock = null;
    this.validRound = -1;
    this.proposals = new Map();
    this.proposalHashes = new Map();
    this.roundBlocks = new Map();
    this.prepares = new Map();
    this.commits = new Map();
    this.validity = new Map();
    this.blocks = new Map();
    this.polkaRounds = new Set();
    this.prepareTimeouts = new Set();
    this.commitTimeouts = new Set();
    this.reported = new Set();
    this.peerRounds = new Map();
    this.relayed = new Set();
    this.out = [];
    this.out.push({
      type: 'schedule',
      timeout: { height: this.height, round: 0, step: 'start' },
      delayMs: this.cfg.params.blockIntervalMs,
    });
    this.out.push({
      type: 'schedule',
      timeout: { height: this.height, round: 0, step: 'resend' },
      delayMs: this.resendInterval(),
    });
    // After a restart mid-height, our earlier votes count again (they may be all a quorum lacks).
    for (const v of this.guard.votesAt(this.height)) this.receiveVote(v);
    if (this.lock !== null && this.lockedBlock !== null) {
      // Our locked block is also our valid block: we may re-propose it, with its polka.
      for (const v of this.polka) this.receiveVote(v);
      this.validBlock = this.lockedBlock;
      this.validRound = this.lock.round;
      this.blocks.set(toHex(this.lock.blockHash), this.lockedBlock);
    }
    const pending = this.buffered;
    this.buffered = [];
    for (const m of pending) this.receive(m);
    this.progress();
    return this.flush();
  }

  handleMessage(message: ConsensusMessage): EngineAction[] {
    this.handled++;
    this.receive(message);
    this.progress();
    return this.flush();
  }

  handleTimeout(t: Timeout): EngineAction[] {
    this.handled++;
    if (t.height === this.height) this.onTimeout(t);
    this.progress();
    return this.flush();
  }

  private flush(): EngineAction[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private isMember(): boolean {
    return memberIndex(this.committee, this.cfg.signer.publicKey) >= 0;
  }

  private weight(voter: Uint8Array): number {
    const i = memberIndex(this.committee, voter);
    return i < 0 ? -1 : this.committee.members[i]!.weight;
  }

  // ---- inputs -------------------------------------------------------------

  private receive(m: ConsensusMessage): void {
    if (this.step === 'stopped') {
      // Before the first startHeight (the daemon is still syncing): keep a bounded backlog.
      if (this.buffered.length < MAX_BUFFERED) this.buffered.push(m);
      return;
    }
    const height =
      m.kind === 'vote' ? m.vote.height : m.kind === 'proposal' ? m.height : m.block.header.height;
    if (height > this.height) {
      this.noteAhead(m, height);
      return;
    }
    if (m.kind === 'vote' && height === this.height - 1) {
      this.extendLastCommit(m.vote);
      return;
    }
    if (height < this.height) return;
    if (m.kind === 'vote') this.receiveVote(m.vote);
    else if (m.kind === 'proposal') this.receiveProposal(m);
    else this.receiveDecision(m.block, m.certificate);
  }

  private noteAhead(m: ConsensusMessage, height: number): void {
    if (height === this.height + 1 && this.buffered.length < MAX_BUFFERED) this.buffered.push(m);
    const nextAfterDecision = height === this.height + 1 && this.step === 'decided';
    if (!nextAfterDecision && height > this.behindReported) {
      this.behindReported = height;
      const from =
        m.kind === 'vote' ? m.vote.voter : m.kind === 'proposal' ? m.proposer : m.block.header.proposer;
      this.out.push({ type: 'behind', height, from });
    }
  }

  /**
   * A LEAG that signs in an earlier round of this height than ours needs
   * that round's votes to leave it, and our own messages of the current round
   * to join us (Tendermint's gossip sends each peer the votes it lacks). The
   * same bytes went out by gossip before, and gossip drops what it has seen,
   * so they go to that LEAG directly: at most once per (LEAG, round) in each
   * resend period. Called only for verified signatures, so nobody can make
   * us send on another LEAG's behalf.
   */
  private notePeer(peer: Uint8Array, round: number): void {
    if (bytesEqual(peer, this.cfg.signer.publicKey) || this.tooFarAhead(round)) return;
    const id = toHex(peer);
    const known = this.peerRounds.get(id);
    if (known === undefined || round > known) this.peerRounds.set(id, round);
    if (round >= this.round || this.step === 'start' || this.weight(peer) < 0) return;
    const key = `${id}:${round}`;
    if (this.relayed.has(key)) return;
    this.relayed.add(key);
    for (const sets of [this.prepares, this.commits]) {
      for (const vote of sets.get(round)?.all() ?? [])
        this.out.push({ type: 'send', to: peer, message: { kind: 'vote', vote } });
    }
    this.sendOwn(peer);
  }

  private tooFarAhead(round: number): boolean {
    return round > this.round + MAX_ROUNDS_AHEAD;
  }

  private receiveVote(vote: SignedVote): void {
    if (this.tooFarAhead(vote.round)) return;
    const w = this.weight(vote.voter);
    if (w < 0) return;
    const sets = vote.type === 'prepare' ? this.prepares : this.commits;
    let set = sets.get(vote.round);
    // A vote already counted needs no second signature check.
    if (set?.has(vote)) {
      this.notePeer(vote.voter, vote.round);
      return;
    }
    if (!this.verify(this.cfg.chainId, vote)) return;
    this.notePeer(vote.voter, vote.round);
    if (!set) {
      set = new VoteSet();
      sets.set(vote.round, set);
    }
    const added = set.add(vote, w);
    if (added.kind === 'conflict') this.reportConflict(added.existing, vote);
  }

  private reportConflict(first: SignedVote, second: SignedVote): void {
    const id = `${toHex(first.voter)}:${first.round}:${first.type}`;
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.out.push({ type: 'evidence', first, second });
  }

  private receiveProposal(p: Proposal): void {
    if (this.tooFarAhead(p.round) || this.committee.members.length === 0) return;
    const known = this.roundBlocks.get(p.round);
    if (known && known.size >= MAX_PROPOSALS_PER_ROUND) return;
    const leader = leaderOf(this.committee, this.height, p.round, this.cfg.params.leaderPolicy);
    if (!bytesEqual(leader.publicKey, p.proposer)) return;
    const header = p.block.header;
    if (header.height !== this.height) return;
    if (p.validRound === null) {
      // A fresh block names its own round and proposer, which earn the proposer's reputation.
      if (header.round !== p.round || !bytesEqual(header.proposer, p.proposer)) return;
    } else if (p.validRound >= p.round) return;
    const hash = blockHash(header);
    const key = toHex(hash);
    if (known?.has(key)) return;
    const payload = proposalSigningPayload(this.cfg.chainId, { ...p, blockHash: hash });
    if (!verifySignature(p.signature, payload, p.proposer)) return;
    this.notePeer(p.proposer, p.round);
    this.noteRoundBlock(p.round, key, p.block);
    // The first proposal of a round is the one we prepare; later ones only help us see a quorum others formed.
    if (this.proposals.has(p.round)) return;
    this.proposals.set(p.round, p);
    this.proposalHashes.set(p.round, hash);
  }

  private noteRoundBlock(round: number, key: string, block: Block): void {
    let known = this.roundBlocks.get(round);
    if (!known) {
      known = new Map();
      this.roundBlocks.set(round, known);
    }
    known.set(key, block);
    this.blocks.set(key, block);
  }

  private receiveDecision(block: Block, cert: CommitCertificate): void {
    if (this.step === 'decided') return;
    const hash = blockHash(block.header);
    if (cert.height !== this.height || !bytesEqual(cert.blockHash, hash)) return;
    if (!verifyCertificate(cert, this.committee, this.cfg.chainId, this.verify).ok) return;
    if (!this.isValid(block, hash)) return;
    this.decide(block, cert);
  }

  private extendLastCommit(vote: SignedVote): void {
    const cert = this.lastCommit;
    const committee = this.lastCommittee;
    if (vote.type !== 'commit' || cert === null || committee === null) return;
    if (vote.round !== cert.round || vote.blockHash === null || !bytesEqual(vote.blockHash, cert.blockHash))
      return;
    const i = memberIndex(committee, vote.voter);
    if (i < 0) return;
    if (!this.lastCommitVotes) {
      // Seed the set with the certificate's own signatures (already verified when it was formed).
      this.lastCommitVotes = new VoteSet();
      for (const s of cert.signatures) {
        const j = memberIndex(committee, s.voter);
        if (j < 0) continue;
        const v = {
          type: 'commit' as const,
          height: cert.height,
          round: cert.round,
          blockHash: cert.blockHash,
        };
        this.lastCommitVotes.add(
          { ...v, voter: s.voter, signature: s.signature },
          committee.members[j]!.weight,
        );
      }
    }
    if (this.lastCommitVotes.has(vote) || !this.verify(this.cfg.chainId, vote)) return;
    this.lastCommitVotes.add(vote, committee.members[i]!.weight);
    this.lastCommitGrew = true;
  }

  private resendInterval(): number {
    return this.cfg.params.timeoutProposeMs;
  }

  /**
   * Tendermint assumes every message between correct LEAGs is eventually
   * delivered; gossip over a lossy network does not promise that, and it
   * drops a message it has seen before, so a LEAG that missed a message
   * (it was down, partitioned, or started late) never gets it by gossip
   * again. A LEAG that has not decided therefore re-sends what it signed in
   * its current round directly to every other committee member, and asks
   * again to sync.
   */
  private resend(): void {
    this.out.push({
      type: 'schedule',
      timeout: { height: this.height, round: this.round, step: 'resend' },
      delayMs: this.resendInterval(),
    });
    this.behindReported = this.height;
    this.relayed.clear();
    if (this.step === 'decided' || this.step === 'start') return;
    const me = this.cfg.signer.publicKey;
    for (const m of this.committee.members) if (!bytesEqual(m.publicKey, me)) this.sendOwn(m.publicKey);
  }

  /** Our proposal of the current round (with its polka) and our votes in it, to one LEAG. */
  private sendOwn(to: Uint8Array): void {
    const me = this.cfg.signer.publicKey;
    const proposal = this.proposals.get(this.round);
    const hash = this.proposalHashes.get(this.round);
    if (proposal && hash && bytesEqual(proposal.proposer, me)) {
      this.out.push({ type: 'send', to, message: { kind: 'proposal', ...proposal } });
      for (const vote of this.polkaOf(proposal, hash))
        this.out.push({ type: 'send', to, message: { kind: 'vote', vote } });
    }
    for (const sets of [this.prepares, this.commits]) {
      const own = sets.get(this.round)?.voteOf(me);
      if (own) this.out.push({ type: 'send', to, message: { kind: 'vote', vote: own } });
    }
  }

  private onTimeout(t: Timeout): void {
    if (t.step === 'resend') {
      this.resend();
      return;
    }
    if (t.step === 'start') {
      if (this.step === 'start') this.startRound(Math.max(0, this.restoredRound()));
      return;
    }
    if (t.round !== this.round || this.step === 'decided' || this.step === 'start') return;
    // Tendermint OnTimeoutPropose / OnTimeoutPrevote / OnTimeoutPrecommit.
    if (t.step === 'propose' && this.step === 'propose') {
      this.vote('prepare', null);
      this.step = 'prepare';
    } else if (t.step === 'prepare' && this.step === 'prepare') {
      this.vote('commit', null);
      this.step = 'commit';
    } else if (t.step === 'commit') {
      this.startRound(this.round + 1);
    }
  }

  /** After a restart mid-height, resume at the round last signed in: lower rounds are closed to us anyway. */
  private restoredRound(): number {
    const s = this.guard.state;
    return s !== null && s.height === this.height ? s.round : 0;
  }

  // ---- the rules ----------------------------------------------------------

  private startRound(round: number): void {
    this.round = round;
    this.step = 'propose';
    const p = this.cfg.params;
    this.schedule('propose', p.timeoutProposeMs + round * p.timeoutDeltaMs);
    const leader = leaderOf(this.committee, this.height, round, p.leaderPolicy);
    if (!bytesEqual(leader.publicKey, this.cfg.signer.publicKey)) return;
    if (!this.guard.canPropose(this.height, round)) return;
    if (this.lastCommitGrew && this.lastCommitVotes && this.lastCommit) {
      this.lastCommit = certificateFrom(this.lastCommitVotes.votesFor(voteKey(this.lastCommit.blockHash)));
      this.lastCommitGrew = false;
    }
    const reuse = this.validBlock;
    const block = reuse ?? this.cfg.validator.propose(this.height, round, this.lastCommit);
    const hash = blockHash(block.header);
    const validRound = reuse ? this.validRound : null;
    const payload = proposalSigningPayload(this.cfg.chainId, {
      height: this.height,
      round,
      validRound,
      blockHash: hash,
    });
    const proposal: Proposal = {
      height: this.height,
      round,
      validRound,
      block,
      proposer: this.cfg.signer.publicKey,
      signature: this.cfg.signer.sign(payload),
    };
    this.out.push({
      type: 'persist',
      state: this.guard.recordProposal(this.height, round, this.lockState()),
    });
    this.out.push({ type: 'broadcast', message: { kind: 'proposal', ...proposal } });
    this.sendPolka(proposal, hash);
    this.proposals.set(round, proposal);
    this.proposalHashes.set(round, hash);
    this.noteRoundBlock(round, toHex(hash), block);
    // The proposer built the block itself from its own state.
    if (!reuse) this.validity.set(toHex(hash), { ok: true });
  }

  /** A re-proposal is only accepted with the prepare quorum of its valid round: send those votes along. */
  private sendPolka(proposal: Proposal, hash: Uint8Array): void {
    for (const vote of this.polkaOf(proposal, hash))
      this.out.push({ type: 'broadcast', message: { kind: 'vote', vote } });
  }

  private polkaOf(proposal: Proposal, hash: Uint8Array): readonly SignedVote[] {
    if (proposal.validRound === null) return [];
    return this.prepares.get(proposal.validRound)?.votesFor(voteKey(hash)) ?? [];
  }

  private lockState(): LockState {
    return { lock: this.lock, lockedBlock: this.lockedBlock, polka: this.polka };
  }

  private schedule(step: Step, delayMs: number): void {
    this.out.push({ type: 'schedule', timeout: { height: this.height, round: this.round, step }, delayMs });
  }

  /** Valid, and acceptable by local policy: what a prepare vote requires. */
  private isPreparable(block: Block, hash: Uint8Array): boolean {
    if (!this.isValid(block, hash)) return false;
    return this.cfg.validator.acceptable?.(block).ok ?? true;
  }

  private isValid(block: Block, hash: Uint8Array): boolean {
    const key = toHex(hash);
    let v = this.validity.get(key);
    if (!v) {
      v =
        block.header.height === this.height
          ? this.cfg.validator.validate(block)
          : { ok: false, reason: 'height' };
      this.validity.set(key, v);
    }
    return v.ok;
  }

  /** Applies every rule whose condition holds, until none does. */
  private progress(): void {
    for (let guard = 0; guard < 1000; guard++) {
      if (!this.step1()) return;
    }
  }

  /** One pass over the upon-rules; true when something changed (so conditions must be re-read). */
  private step1(): boolean {
    if (this.step === 'stopped' || this.step === 'decided') return false;
    if (this.tryDecide()) return true;
    if (this.step === 'start') return false;
    const total = this.committee.totalWeight;
    const r = this.round;
    const proposal = this.proposals.get(r);
    const prepares = this.prepares.get(r);

    const proposalHash = this.proposalHashes.get(r);
    if (this.step === 'propose' && proposal && proposalHash) {
      const hash = proposalHash;
      const vr = proposal.validRound;
      if (vr === null) {
        // Line 22: prepare the proposal if it is valid and we are not locked on another block.
        const ok =
          this.isPreparable(proposal.block, hash) &&
          (this.lock === null || bytesEqual(this.lock.blockHash, hash));
        this.vote('prepare', ok ? hash : null);
        this.step = 'prepare';
        return true;
      }
      const polka = this.prepares.get(vr)?.weightFor(voteKey(hash)) ?? 0;
      if (isQuorum(polka, total)) {
        // Line 28: a re-proposal backed by a prepare quorum at vr may unlock a lock from before vr.
        const free = this.lock === null || this.lock.round <= vr || bytesEqual(this.lock.blockHash, hash);
        this.vote('prepare', this.isPreparable(proposal.block, hash) && free ? hash : null);
        this.step = 'prepare';
        return true;
      }
    }

    if (prepares && (this.step === 'prepare' || this.step === 'commit')) {
      const key = this.polkaRounds.has(r) ? null : prepares.quorumKey(total);
      const block = key === null || key === NIL ? undefined : this.roundBlocks.get(r)?.get(key);
      if (key !== null && block !== undefined) {
        const hash = blockHash(block.header);
        if (this.isValid(block, hash)) {
          // Line 36: a prepare quorum for a valid proposal: lock on it, commit-vote it, and remember it as valid.
          this.polkaRounds.add(r);
          if (this.step === 'prepare') {
            this.lock = { round: r, blockHash: hash };
            this.lockedBlock = block;
            this.polka = prepares.votesFor(key);
            this.vote('commit', hash);
            this.step = 'commit';
          }
          this.validBlock = block;
          this.validRound = r;
          return true;
        }
      }
      if (this.step === 'prepare' && isQuorum(prepares.weightFor(NIL), total)) {
        // Line 44: a nil quorum.
        this.vote('commit', null);
        this.step = 'commit';
        return true;
      }
      if (this.step === 'prepare' && !this.prepareTimeouts.has(r) && isQuorum(prepares.weight, total)) {
        // Line 34: a quorum of any prepares starts the prepare timeout.
        this.prepareTimeouts.add(r);
        this.schedule('prepare', this.cfg.params.timeoutVoteMs + r * this.cfg.params.timeoutDeltaMs);
        return true;
      }
    }

    const commits = this.commits.get(r);
    if (commits && !this.commitTimeouts.has(r) && isQuorum(commits.weight, total)) {
      // Line 47: a quorum of any commit votes starts the commit timeout.
      this.commitTimeouts.add(r);
      this.schedule('commit', this.cfg.params.timeoutVoteMs + r * this.cfg.params.timeoutDeltaMs);
      return true;
    }

    if (this.adoptLaterPolka()) return true;

    // Line 55: more than 1/3 of the weight is already in a later round: join it.
    const later = this.laterRoundWithWeight();
    if (later !== null) {
      this.startRound(later);
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
  private adoptLaterPolka(): boolean {
    const total = this.committee.totalWeight;
    for (const [r, set] of this.prepares) {
      // The current round is line 36's; earlier rounds only.
      if (r <= this.validRound || r >= this.round) continue;
      const key = set.quorumKey(total);
      if (key === null || key === NIL) continue;
      const block = this.blocks.get(key);
      if (!block || !this.isValid(block, blockHash(block.header))) continue;
      this.validBlock = block;
      this.validRound = r;
      return true;
    }
    return false;
  }

  private laterRoundWithWeight(): number | null {
    const rounds = new Set<number>();
    for (const r of this.prepares.keys()) if (r > this.round) rounds.add(r);
    for (const r of this.commits.keys()) if (r > this.round) rounds.add(r);
    let best: number | null = null;
    for (const r of rounds) {
      if (best !== null && r <= best) continue;
      const voters = new Set([
        ...(this.prepares.get(r)?.voters() ?? []),
        ...(this.commits.get(r)?.voters() ?? []),
      ]);
      let w = 0;
      for (const m of this.committee.members) if (voters.has(toHex(m.publicKey))) w += m.weight;
      if (exceedsOneThird(w, this.committee.totalWeight)) best = r;
    }
    return best;
  }

  /** Line 49: a commit quorum for a block we hold (from any round) decides it. */
  private tryDecide(): boolean {
    for (const [, set] of this.commits) {
      const key = set.quorumKey(this.committee.totalWeight);
      if (key === null || key === NIL) continue;
      const block = this.blocks.get(key);
      if (!block) continue;
      if (!this.isValid(block, blockHash(block.header))) continue;
      this.decide(block, certificateFrom(set.votesFor(key)));
      return true;
    }
    return false;
  }

  private decide(block: Block, certificate: CommitCertificate): void {
    this.step = 'decided';
    this.lastCommit = certificate;
    this.out.push({ type: 'commit', block, certificate });
  }

  private vote(type: VoteType, hash: Uint8Array | null): void {
    if (!this.isMember()) return;
    const decision = this.guard.checkVote(this.height, this.round, type, hash);
    if (decision.kind === 'refuse') {
      // Signed differently before a restart: that vote stands, and peers may still need it.
      if (decision.signed)
        this.out.push({ type: 'broadcast', message: { kind: 'vote', vote: decision.signed } });
      return;
    }
    let vote: SignedVote;
    if (decision.kind === 'resend') vote = decision.vote;
    else {
      const unsigned = { type, height: this.height, round: this.round, blockHash: hash };
      const sig = this.cfg.signer.sign(voteSigningPayload(this.cfg.chainId, unsigned));
      vote = { ...unsigned, voter: this.cfg.signer.publicKey, signature: sig };
      this.out.push({ type: 'persist', state: this.guard.recordVote(vote, this.lockState()) });
    }
    this.out.push({ type: 'broadcast', message: { kind: 'vote', vote } });
    // Our own vote counts like anyone's.
    this.receiveVote(vote);
  }
}
