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
} from '@v2g/core';
import { verifyCertificate } from './certificate.ts';
import { HeightRecord } from './heightRecord.ts';
import type {
  BlockValidator,
  EngineAction,
  HeightStart,
  Lock,
  Signer,
  SigningState,
  Step,
  Timeout,
} from './interface.ts';
import { LastCommitCollector } from './lastCommitCollector.ts';
import { leaderOf } from './leader.ts';
import { type ConsensusMessage, type Proposal, proposalSigningPayload } from './messages.ts';
import { OwnMessages } from './ownMessages.ts';
import { PeerRelay } from './peerRelay.ts';
import { PreviousHeight } from './previousHeight.ts';
import { type EngineStep, type RoundState, tooFarAhead } from './roundState.ts';
import { memberIndex } from './selectCommittee.ts';
import { SigningGuard } from './signingGuard.ts';
import { progress, type RuleActions } from './uponRules.ts';
import type { VoteVerifier } from './voteVerifier.ts';

export { type EngineStep, MAX_ROUNDS_AHEAD } from './roundState.ts';

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

export interface EngineStatus {
  readonly height: number;
  readonly round: number;
  readonly step: EngineStep;
  readonly lock: Lock | null;
  readonly member: boolean;
}

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
 *
 * This file takes the inputs in; the upon-rules are in uponRules.ts, what a
 * height has gathered in heightRecord.ts, what we sign in ownMessages.ts,
 * direct sends to peers in peerRelay.ts, and the previous height's
 * certificate in lastCommitCollector.ts.
 */
export class ConsensusEngine {
  private readonly cfg: EngineConfig;
  private readonly verify: VoteVerifier;
  private readonly guard: SigningGuard;
  private readonly state: RoundState = {
    height: 0,
    round: 0,
    step: 'stopped',
    committee: { members: [], totalWeight: 0 },
    leaderRotation: 0,
    lock: null,
    lockedBlock: null,
    polka: [],
    validBlock: null,
    validRound: -1,
    seen: new HeightRecord(),
  };
  private readonly lastCommit: LastCommitCollector;
  private readonly relay: PeerRelay;
  private readonly own: OwnMessages;
  private readonly rules: RuleActions;
  private buffered: ConsensusMessage[] = [];
  /** The height before ours, whose late votes are still checked for equivocation. */
  private previous: PreviousHeight | null = null;
  private behindReported = 0;
  private out: EngineAction[] = [];
  private handled = 0;

  constructor(cfg: EngineConfig) {
    this.cfg = cfg;
    this.verify = cfg.verifyVote ?? verifyVote;
    this.guard = new SigningGuard(cfg.restored);
    this.lastCommit = new LastCommitCollector(cfg.chainId, this.verify);
    const emit = (action: EngineAction): void => {
      this.out.push(action);
    };
    this.relay = new PeerRelay({ me: cfg.signer.publicKey, intervalMs: cfg.params.timeoutProposeMs, emit });
    this.own = new OwnMessages({
      chainId: cfg.chainId,
      signer: cfg.signer,
      validator: cfg.validator,
      guard: this.guard,
      lastCommit: this.lastCommit,
      emit,
    });
    this.rules = {
      params: cfg.params,
      isPreparable: (block, hash) => this.isPreparable(block, hash),
      isValid: (block, hash) => this.isValid(block, hash),
      vote: (type, hash) => this.vote(type, hash),
      startRound: (round) => this.startRound(round),
      schedule: (step, delayMs) => this.schedule(step, delayMs),
      decide: (block, certificate) => this.decide(block, certificate),
    };
  }

  status(): EngineStatus {
    const { height, round, step, lock } = this.state;
    return { height, round, step, lock, member: this.isMember() };
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
    const s = this.state;
    if (start.height <= s.height && s.step !== 'stopped') {
      throw new RangeError(`height ${start.height} is not above ${s.height}`);
    }
    const decidedPrevious = s.step === 'decided' && s.height === start.height - 1;
    this.previous = s.height === start.height - 1 ? new PreviousHeight(s.committee, s.seen) : null;
    this.lastCommit.begin(
      start,
      decidedPrevious ? { committee: s.committee, commits: s.seen.commits } : null,
    );
    s.height = start.height;
    s.round = 0;
    s.step = 'start';
    s.committee = start.committee;
    s.leaderRotation = start.leaderRotation ?? 0;
    const restored = this.guard.lockAt(start.height);
    s.lock = restored.lock;
    s.lockedBlock = restored.lockedBlock;
    s.polka = restored.polka;
    s.validBlock = null;
    s.validRound = -1;
    s.seen = new HeightRecord();
    this.out = [];
    this.out.push({
      type: 'schedule',
      timeout: { height: s.height, round: 0, step: 'start' },
      delayMs: this.cfg.params.blockIntervalMs,
    });
    this.relay.startHeight(s.height);
    // After a restart mid-height, our earlier votes count again (they may be all a quorum lacks).
    for (const v of this.guard.votesAt(s.height)) this.receiveVote(v);
    if (s.lock !== null && s.lockedBlock !== null) {
      // Our locked block is also our valid block: we may re-propose it, with its polka.
      for (const v of s.polka) this.receiveVote(v);
      s.validBlock = s.lockedBlock;
      s.validRound = s.lock.round;
      s.seen.blocks.set(toHex(s.lock.blockHash), s.lockedBlock);
    }
    const pending = this.buffered;
    this.buffered = [];
    for (const m of pending) this.receive(m);
    progress(s, this.rules);
    return this.flush();
  }

  handleMessage(message: ConsensusMessage): EngineAction[] {
    this.handled++;
    this.receive(message);
    progress(this.state, this.rules);
    return this.flush();
  }

  handleTimeout(t: Timeout): EngineAction[] {
    this.handled++;
    if (t.height === this.state.height) this.onTimeout(t);
    progress(this.state, this.rules);
    return this.flush();
  }

  private flush(): EngineAction[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private isMember(): boolean {
    return memberIndex(this.state.committee, this.cfg.signer.publicKey) >= 0;
  }

  private weight(voter: Uint8Array): number {
    const committee = this.state.committee;
    const i = memberIndex(committee, voter);
    return i < 0 ? -1 : committee.members[i]!.weight;
  }

  // ---- inputs -------------------------------------------------------------

  private receive(m: ConsensusMessage): void {
    const s = this.state;
    if (s.step === 'stopped') {
      // Before the first startHeight (the daemon is still syncing): keep a bounded backlog.
      if (this.buffered.length < MAX_BUFFERED) this.buffered.push(m);
      return;
    }
    const height =
      m.kind === 'vote' ? m.vote.height : m.kind === 'proposal' ? m.height : m.block.header.height;
    if (height > s.height) {
      this.noteAhead(m, height);
      return;
    }
    if (m.kind === 'vote' && height === s.height - 1) {
      this.lastCommit.extend(m.vote);
      const evidence = this.previous?.conflictOf(m.vote, (v) => this.verify(this.cfg.chainId, v));
      if (evidence) this.out.push({ type: 'evidence', ...evidence });
      return;
    }
    if (height < s.height) return;
    if (m.kind === 'vote') this.receiveVote(m.vote);
    else if (m.kind === 'proposal') this.receiveProposal(m);
    else this.receiveDecision(m.block, m.certificate);
  }

  private noteAhead(m: ConsensusMessage, height: number): void {
    const s = this.state;
    if (height === s.height + 1 && this.buffered.length < MAX_BUFFERED) this.buffered.push(m);
    const nextAfterDecision = height === s.height + 1 && s.step === 'decided';
    if (!nextAfterDecision && height > this.behindReported) {
      this.behindReported = height;
      const from =
        m.kind === 'vote' ? m.vote.voter : m.kind === 'proposal' ? m.proposer : m.block.header.proposer;
      this.out.push({ type: 'behind', height, from });
    }
  }

  private receiveVote(vote: SignedVote): void {
    const s = this.state;
    if (tooFarAhead(s, vote.round)) return;
    const w = this.weight(vote.voter);
    if (w < 0) return;
    // A vote already counted needs no second signature check.
    if (s.seen.has(vote)) {
      this.relay.notePeer(s, vote.voter, vote.round);
      return;
    }
    if (!this.verify(this.cfg.chainId, vote)) return;
    this.relay.notePeer(s, vote.voter, vote.round);
    const added = s.seen.addVote(vote, w);
    if (added.kind === 'conflict') this.reportConflict(added.existing, vote);
  }

  private reportConflict(first: SignedVote, second: SignedVote): void {
    if (this.state.seen.firstConflict(first)) this.out.push({ type: 'evidence', first, second });
  }

  private receiveProposal(p: Proposal): void {
    const s = this.state;
    if (tooFarAhead(s, p.round) || s.committee.members.length === 0) return;
    const known = s.seen.roundBlocks.get(p.round);
    if (known && known.size >= MAX_PROPOSALS_PER_ROUND) return;
    const leader = leaderOf(s.committee, s.height, p.round + s.leaderRotation, this.cfg.params.leaderPolicy);
    if (!bytesEqual(leader.publicKey, p.proposer)) return;
    const header = p.block.header;
    if (header.height !== s.height) return;
    if (p.validRound === null) {
      // A fresh block names its own round and proposer, which earn the proposer's reputation.
      if (header.round !== p.round || !bytesEqual(header.proposer, p.proposer)) return;
    } else if (p.validRound >= p.round) return;
    const hash = blockHash(header);
    const key = toHex(hash);
    if (known?.has(key)) return;
    const payload = proposalSigningPayload(this.cfg.chainId, { ...p, blockHash: hash });
    if (!verifySignature(p.signature, payload, p.proposer)) return;
    this.relay.notePeer(s, p.proposer, p.round);
    s.seen.noteRoundBlock(p.round, key, p.block);
    // The first proposal of a round is the one we prepare; later ones only help us see a quorum others formed.
    if (s.seen.proposals.has(p.round)) return;
    s.seen.proposals.set(p.round, p);
    s.seen.proposalHashes.set(p.round, hash);
  }

  private receiveDecision(block: Block, cert: CommitCertificate): void {
    const s = this.state;
    if (s.step === 'decided') return;
    const hash = blockHash(block.header);
    if (cert.height !== s.height || !bytesEqual(cert.blockHash, hash)) return;
    if (!verifyCertificate(cert, s.committee, this.cfg.chainId, this.verify).ok) return;
    if (!this.isValid(block, hash)) return;
    this.decide(block, cert);
  }

  private onTimeout(t: Timeout): void {
    const s = this.state;
    if (t.step === 'resend') {
      // A new re-send period also asks again to sync: the next message from a higher height reports us behind.
      this.behindReported = s.height;
      this.relay.resend(s);
      return;
    }
    if (t.step === 'start') {
      if (s.step === 'start') this.startRound(Math.max(0, this.restoredRound()));
      return;
    }
    if (t.round !== s.round || s.step === 'decided' || s.step === 'start') return;
    // Tendermint OnTimeoutPropose / OnTimeoutPrevote / OnTimeoutPrecommit.
    if (t.step === 'propose' && s.step === 'propose') {
      this.vote('prepare', null);
      s.step = 'prepare';
    } else if (t.step === 'prepare' && s.step === 'prepare') {
      this.vote('commit', null);
      s.step = 'commit';
    } else if (t.step === 'commit') {
      this.startRound(s.round + 1);
    }
  }

  /** After a restart mid-height, resume at the round last signed in: lower rounds are closed to us anyway. */
  private restoredRound(): number {
    const signed = this.guard.state;
    return signed !== null && signed.height === this.state.height ? signed.round : 0;
  }

  // ---- what the rules do --------------------------------------------------

  private startRound(round: number): void {
    const s = this.state;
    s.round = round;
    s.step = 'propose';
    const p = this.cfg.params;
    this.schedule('propose', p.timeoutProposeMs + round * p.timeoutDeltaMs);
    const leader = leaderOf(s.committee, s.height, round + s.leaderRotation, p.leaderPolicy);
    if (!bytesEqual(leader.publicKey, this.cfg.signer.publicKey)) return;
    this.own.propose(s, round);
  }

  private schedule(step: Step, delayMs: number): void {
    const s = this.state;
    this.out.push({ type: 'schedule', timeout: { height: s.height, round: s.round, step }, delayMs });
  }

  /** Valid, and acceptable by local policy: what a prepare vote requires. */
  private isPreparable(block: Block, hash: Uint8Array): boolean {
    if (!this.isValid(block, hash)) return false;
    return this.cfg.validator.acceptable?.(block).ok ?? true;
  }

  private isValid(block: Block, hash: Uint8Array): boolean {
    const key = toHex(hash);
    const validity = this.state.seen.validity;
    let v = validity.get(key);
    if (!v) {
      v =
        block.header.height === this.state.height
          ? this.cfg.validator.validate(block)
          : { ok: false, reason: 'height' };
      validity.set(key, v);
    }
    return v.ok;
  }

  private decide(block: Block, certificate: CommitCertificate): void {
    this.state.step = 'decided';
    this.lastCommit.decided(certificate);
    this.out.push({ type: 'commit', block, certificate });
  }

  private vote(type: VoteType, hash: Uint8Array | null): void {
    if (!this.isMember()) return;
    const vote = this.own.vote(this.state, type, hash);
    // Our own vote counts like anyone's.
    if (vote) this.receiveVote(vote);
  }
}
