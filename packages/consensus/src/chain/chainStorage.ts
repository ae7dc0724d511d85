import type { Block, CommitCertificate, StateChanges, StateReader } from '@v2g/core';
import type { MaybePromise } from '../maybePromise.ts';

export interface Head {
  readonly height: number;
  readonly hash: Uint8Array;
}

/** One decided block with everything its commit writes, as one atomic unit. */
export interface CommitInput {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly certificate: CommitCertificate;
  readonly changes: StateChanges;
  readonly stateRoot: Uint8Array;
  readonly txIds: readonly Uint8Array[];
  /**
   * Whether the write must be on disk (fsync'd) when `commit` completes. A
   * block this LEAG goes on to vote above must be: otherwise a power cut
   * could leave the signing state ahead of the stored chain (decision 0007).
   * Blocks in the middle of a sync batch need not be; the batch's last one is.
   */
  readonly durable: boolean;
}

/**
 * Where the executor keeps the chain: LevelDB in the daemon
 * (`node/storage/chainStore.ts`), memory in the simulator and in tests
 * (`memoryChainStorage.ts`). `state` and `head` move only when `commit`
 * has completed.
 */
export interface ChainStorage {
  readonly state: StateReader;
  readonly head: Head;
  commit(input: CommitInput): MaybePromise<void>;
}
