import type { Block, CommitCertificate, ConsensusParams, SignedVote, Tx } from '@v2g/core';
import type { BlockSource, ChainExecutor } from '../chain/executor.ts';
import type { EngineStatus } from '../engine.ts';
import type {
  Clock,
  ConsensusNetwork,
  Signer,
  SigningState,
  SigningStateStore,
  Timeout,
} from '../interface.ts';
import type { VoteVerifier } from '../voteVerifier.ts';
import type { SyncOptions, SyncPort } from './syncScheduler.ts';

/** The driver's ports and what it reports (driver.ts). */

export interface CertifiedBlock {
  readonly block: Block;
  readonly certificate: CommitCertificate;
}

/** What the driver reports as it goes: metrics and logs in the daemon, checks in the simulator. */
export interface DriverObserver {
  inputHandled?(kind: 'message' | 'timeout' | 'blocks'): void;
  voteReceived?(type: SignedVote['type']): void;
  timeoutFired?(timeout: Timeout): void;
  persistSeconds?(seconds: number): void;
  committed?(block: Block, certificate: CommitCertificate, source: 'consensus' | BlockSource): void;
  halted?(reason: string, error: unknown): void;
  evidence?(first: SignedVote, second: SignedVote): void;
}

export interface DriverComponents {
  readonly chainId: string;
  readonly params: ConsensusParams;
  readonly signer: Signer;
  readonly executor: ChainExecutor;
  /** The signing state as loaded from disk at start-up (null on a first start). */
  readonly restored: SigningState | null;
  readonly signingStore: SigningStateStore;
  readonly network: ConsensusNetwork;
  readonly clock: Clock;
  readonly sync: SyncPort;
  /** Hands an evidence transaction to the node's transaction ingress (mempool and gossip). */
  readonly submitEvidence: (tx: Tx) => void;
  readonly verifyVote: VoteVerifier;
  readonly syncOptions?: Partial<SyncOptions>;
  readonly observer?: DriverObserver;
}

export type DriverState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running' }
  | { readonly kind: 'halted'; readonly reason: string }
  | { readonly kind: 'stopped' };

export interface DriverStatus extends EngineStatus {
  readonly state: DriverState;
  /** Clock time of the last commit (or of the start, before any). */
  readonly lastCommitAt: number;
  readonly syncing: boolean;
  readonly syncTarget: number;
}
