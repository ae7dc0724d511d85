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
