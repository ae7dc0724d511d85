import { type Block, type CommitCertificate, type Genesis, type Rules, type Tx, txBytes } from '@v2g/core';
import { createChainMempool } from '../src/chain/chainMempool.ts';
import { ChainExecutor } from '../src/chain/executor.ts';
import { MemoryChainStorage } from '../src/chain/memoryChainStorage.ts';
import type { BlockValidator, Validation } from '../src/interface.ts';
import { type CommitteeSelection, selectCommittee } from '../src/selectCommittee.ts';
import { cachedVoteVerifier } from '../src/voteVerifier.ts';

/**
 * A chain for tests: the shipped executor and mempool over the memory store,
 * with a validator per proposer (as each LEAG builds its own proposals).
 */
export class TestChain {
  readonly storage: MemoryChainStorage;
  private readonly genesis: Genesis;
  private readonly rules: Rules;
  private readonly mempool;
  private readonly executors = new Map<string, ChainExecutor>();
  private readonly verify = cachedVoteVerifier();
  private certificate: CommitCertificate | null = null;

  constructor(genesis: Genesis, rules: Rules) {
    this.genesis = genesis;
    this.rules = rules;
    this.storage = new MemoryChainStorage(genesis);
    this.mempool = createChainMempool(genesis, { maxTxs: 1000, maxBytes: 1 << 22 }, rules);
  }

  get store() {
    return this.storage.state;
  }

  get height(): number {
    return this.storage.head.height;
  }

  get parentHash(): Uint8Array {
    return this.storage.head.hash;
  }

  get lastCertificate(): CommitCertificate | null {
    return this.certificate;
  }

  nextCommittee(): CommitteeSelection {
    return selectCommittee(this.storage.state, this.genesis.params.consensus);
  }

  addTx(tx: Tx): void {
    this.mempool.add(tx, txBytes(tx).length, this.storage.state, 0);
  }

  /** The executor's validator port; `acceptable` goes through this object so a test can replace it. */
  validator(proposer: Uint8Array, now: () => number): BlockValidator {
    return {
      propose: (height, round, lastCommit) => this.executor(proposer, now).propose(height, round, lastCommit),
      validate: (block) => this.executor(proposer, now).validate(block),
      acceptable: (block) => this.acceptable(block),
    };
  }

  acceptable(block: Block): Validation {
    return this.executor(new Uint8Array(32), () => 0).acceptable(block);
  }

  commit(block: Block, certificate: CommitCertificate): void {
    const done = this.executor(block.header.proposer, () => block.header.timestamp).commit(
      block,
      certificate,
    );
    if (done instanceof Promise) throw new Error('memory commits are synchronous');
    this.certificate = certificate;
    this.executors.clear();
  }

  private executor(proposer: Uint8Array, now: () => number): ChainExecutor {
    const key = `${Buffer.from(proposer).toString('hex')}`;
    let e = this.executors.get(key);
    if (!e) {
      e = new ChainExecutor({
        storage: this.storage,
        genesis: this.genesis,
        rules: this.rules,
        mempool: this.mempool,
        proposer,
        now,
        verifyVote: this.verify,
        lastCertificate: this.certificate,
      });
      this.executors.set(key, e);
    }
    return e;
  }
}
