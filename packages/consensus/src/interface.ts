import type { Block, CommitCertificate, SignedVote } from '@v2g/core';
import type { MaybePromise } from './maybePromise.ts';
import type { ConsensusMessage } from './messages.ts';
import type { Committee } from './selectCommittee.ts';

/**
 * The ports of the consensus engine (DESIGN §5, STYLE 2). The engine itself
 * never calls any of them except the synchronous `Signer` and
 * `BlockValidator`: it returns `EngineAction`s, and a driver (the daemon, or
 * the simulator) performs them **in order**. The order is the contract:
 *
 * - `persist` comes before every `broadcast` of a vote or proposal it covers;
 *   the driver must finish writing the signing state (durably) before it
 *   performs any later action of the same batch. If the write fails, the
 *   driver must stop the engine rather than send.
 * - `commit` hands over a decided block and its certificate. The driver
 *   applies and stores it, computes the committee for the next height from
 *   the new state (`selectCommittee`) and calls `engine.startHeight(...)`.
 * - `schedule` asks for `engine.handleTimeout(timeout)` after `delayMs`
 *   (virtual or wall-clock). Timeouts never need cancelling: stale ones are
 *   ignored by the engine.
 */

/** Signs consensus payloads with the LEAG key. Synchronous: ed25519 is fast enough. */
export interface Signer {
  readonly publicKey: Uint8Array;
  sign(payload: Uint8Array): Uint8Array;
}

export type Validation = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * What the engine needs from the state machine, over the state at height − 1.
 * The daemon wraps core's `buildBlock` (over its mempool) and `applyBlock`
 * (with `combineRules(ledgerRules, marketRules, consensusRules())`).
 */
export interface BlockValidator {
  /** A new block for `height`, led in `round`, carrying `lastCommit` (null at height 1). */
  propose(height: number, round: number, lastCommit: CommitCertificate | null): Block;
  /** Whether `block` applies on the current tip (header, transactions, certificate, state root). */
  validate(block: Block): Validation;
  /**
   * Optional local policy, asked only before preparing a proposal (never to
   * lock on or decide a block a quorum backs): e.g. refuse a block that
   * omits evidence this LEAG has held for a while, so a leader cannot keep
   * censoring evidence against itself.
   */
  acceptable?(block: Block): Validation;
}

/**
 * How the driver reaches other LEAGs. `broadcast` is gossip (topic
 * `/v2g/<chainId>/consensus/1`): it drops a message whose id (the hash of
 * its bytes) it has seen before, so it carries every message once.
 * `sendTo` is a direct stream to one LEAG and never deduplicates: re-sends
 * go that way. `announce` gossips a committed block with its certificate
 * (topic `block`), for LEAGs outside the committee and any that missed the
 * decision. Bytes are `encodeConsensusMessage` / `encodeCertifiedBlock`.
 */
export interface ConsensusNetwork {
  broadcast(message: ConsensusMessage): void;
  sendTo(peer: Uint8Array, message: ConsensusMessage): void;
  announce(block: Block, certificate: CommitCertificate): void;
}

/** Durable storage of the signing state (the daemon's consensus WAL bucket). */
export interface SigningStateStore {
  /** Must be durable (fsync'd batch) when it returns or resolves; a throw or rejection halts consensus. */
  save(state: SigningState): MaybePromise<void>;
}

/** Timers: wall clock in the daemon, virtual time in the simulator. */
export interface Clock {
  now(): number;
  /** Calls `callback` after `delayMs`; the returned function cancels it. */
  setTimer(delayMs: number, callback: () => void): () => void;
}

/** The steps of one round, in signing order. */
export type Step = 'propose' | 'prepare' | 'commit';

export interface Lock {
  readonly round: number;
  readonly blockHash: Uint8Array;
}

/**
 * Everything a restarted LEAG needs never to sign twice: the highest
 * (height, round, step) it signed, the exact votes it signed at that height
 * (so it can re-send them, byte for byte, but never sign different ones),
 * and its lock.
 */
export interface SigningState {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly lock: Lock | null;
  /**
   * The locked block itself and the prepare quorum that justified the lock:
   * after a restart this LEAG can still re-propose its locked block with
   * proof, as Tendermint's write-ahead log allows. Without them, an honest
   * LEAG locked on a block nobody else kept could stall its height forever.
   */
  readonly lockedBlock: Block | null;
  readonly polka: readonly SignedVote[];
  /** Votes signed at `height`, at most one per (round, type). */
  readonly votes: readonly SignedVote[];
}

/** The lock part of the signing state. */
export type LockState = Pick<SigningState, 'lock' | 'lockedBlock' | 'polka'>;

export interface Timeout {
  readonly height: number;
  readonly round: number;
  /**
   * 'start' is the pause after a commit before round 0 (blockIntervalMs);
   * 'resend' is the periodic re-broadcast of this LEAG's current messages, for
   * networks that lose messages (gossip gives no delivery guarantee).
   */
  readonly step: Step | 'start' | 'resend';
}

export type EngineAction =
  | { readonly type: 'persist'; readonly state: SigningState }
  /** First delivery of a message: gossip to every LEAG. */
  | { readonly type: 'broadcast'; readonly message: ConsensusMessage }
  /**
   * Direct delivery to one LEAG, whatever gossip deduplication did before:
   * re-sends (the same signed bytes) and what a LEAG in an earlier round lacks.
   */
  | { readonly type: 'send'; readonly to: Uint8Array; readonly message: ConsensusMessage }
  | { readonly type: 'schedule'; readonly timeout: Timeout; readonly delayMs: number }
  | { readonly type: 'commit'; readonly block: Block; readonly certificate: CommitCertificate }
  /** Two conflicting signed votes by one LEAG: the driver turns them into an `evidence` transaction. */
  | { readonly type: 'evidence'; readonly first: SignedVote; readonly second: SignedVote }
  /** Messages for a later height arrived: this node is behind and should sync blocks up to `height − 1`. */
  | { readonly type: 'behind'; readonly height: number; readonly from: Uint8Array };

/** Where the driver starts the engine on each height, after applying the previous block. */
export interface HeightStart {
  readonly height: number;
  /** The committee for `height`, from the state at height − 1 (`selectCommittee`). */
  readonly committee: Committee;
  /** The certificate of block height − 1 (null at height 1); the proposer carries it in its block. */
  readonly lastCommit: CommitCertificate | null;
  /** Rounds added to each round of this height when picking its leader (`readLeaderRotation`); 0 if absent. */
  readonly leaderRotation?: number;
  /** The committee that signed `lastCommit`, so late commit votes can extend it; optional. */
  readonly lastCommittee?: Committee;
}
