import {
  type Block,
  type CommitCertificate,
  type Genesis,
  genesisHash,
  genesisState,
  MemoryStateStore,
} from '@v2g/core';
import type { ChainStorage, CommitInput, Head } from './chainStorage.ts';

export interface StoredBlock {
  readonly block: Block;
  readonly certificate: CommitCertificate;
  readonly hash: Uint8Array;
}

/**
 * The chain in memory: the simulator's "disk" (it survives a simulated
 * crash) and the store of in-process tests. Same contract as the LevelDB
 * store: a commit moves state, head and blocks together.
 */
export class MemoryChainStorage implements ChainStorage {
  readonly state = new MemoryStateStore();
  readonly blocks: StoredBlock[] = [];
  /** The height of the last commit made `durable` (what a simulated power cut keeps). */
  durableHeight = 0;
  private tip: Head;

  constructor(genesis: Genesis) {
    const g = genesisState(genesis);
    this.state.applySync(g.changes, g.digest);
    this.tip = { height: 0, hash: genesisHash(genesis) };
  }

  get head(): Head {
    return this.tip;
  }

  commit(input: CommitInput): void {
    const height = input.block.header.height;
    if (height !== this.tip.height + 1) throw new RangeError(`commit of ${height} on ${this.tip.height}`);
    this.state.applySync(input.changes, input.stateRoot);
    this.blocks.push({ block: input.block, certificate: input.certificate, hash: input.hash });
    this.tip = { height, hash: input.hash };
    if (input.durable) this.durableHeight = height;
  }

  /** Certified blocks from `from` on, at most `max` (what a sync server answers). */
  range(from: number, max: number): StoredBlock[] {
    return this.blocks.slice(Math.max(0, from - 1), Math.max(0, from - 1) + max);
  }

  certificateAt(height: number): CommitCertificate | undefined {
    return this.blocks[height - 1]?.certificate;
  }
}
