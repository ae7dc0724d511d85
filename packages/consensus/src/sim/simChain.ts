import {
  type AppliedBlock,
  applyBlock,
  type Block,
  BlockError,
  blockHash,
  buildBlock,
  type CommitCertificate,
  type Genesis,
  genesisHash,
  genesisState,
  MemoryStateStore,
  type Rules,
  readTip,
  type Tx,
  toHex,
  txId,
} from '@v2g/core';
import type { BlockValidator, Validation } from '../interface.ts';
import { type CommitteeSelection, selectCommittee } from '../selectCommittee.ts';

/**
 * One LEAG's chain in the simulator: the real core state machine over a
 * memory store, a mempool, and the BlockValidator port the daemon would
 * implement the same way (buildBlock to propose, applyBlock to validate).
 */
export class SimChain {
  readonly store = new MemoryStateStore();
  readonly blocks: { block: Block; certificate: CommitCertificate; hash: Uint8Array }[] = [];
  private tipHash: Uint8Array;
  private readonly checked = new Map<string, AppliedBlock | string>();
  private mempool = new Map<string, Tx>();
  private readonly genesis: Genesis;
  private readonly rules: Rules;

  constructor(genesis: Genesis, rules: Rules) {
    this.genesis = genesis;
    this.rules = rules;
    const g = genesisState(genesis);
    this.store.applySync(g.changes, g.digest);
    this.tipHash = genesisHash(genesis);
  }

  get height(): number {
    return this.blocks.length;
  }

  /** Hash of the tip block (the genesis hash before block 1): the next block's parent. */
  get parentHash(): Uint8Array {
    return this.tipHash;
  }

  get lastCertificate(): CommitCertificate | null {
    return this.blocks.at(-1)?.certificate ?? null;
  }

  addTx(tx: Tx): void {
    if (this.mempool.size < 1000) this.mempool.set(toHex(txId(tx)), tx);
  }

  nextCommittee(): CommitteeSelection {
    return selectCommittee(this.store, this.genesis.params.consensus);
  }

  private opts() {
    return { genesis: this.genesis, rules: this.rules, parentHash: this.tipHash };
  }

  validator(proposer: Uint8Array, now: () => number): BlockValidator {
    return {
      propose: (height, round, lastCommit) => {
        const built = buildBlock(
          this.store,
          { height, round, proposer, lastCommit, timestamp: now() },
          [...this.mempool.values()],
          this.opts(),
        );
        for (const r of built.rejected) this.mempool.delete(toHex(txId(r.tx)));
        this.checked.set(toHex(built.hash), built);
        return built.block;
      },
      validate: (block) => this.validate(block),
    };
  }

  validate(block: Block): Validation {
    const found = this.check(block);
    return typeof found === 'string' ? { ok: false, reason: found } : { ok: true };
  }

  private check(block: Block): AppliedBlock | string {
    if (block.header.height !== this.height + 1) return `height ${block.header.height} is not next`;
    const key = toHex(blockHash(block.header));
    let found = this.checked.get(key);
    if (found === undefined) {
      try {
        found = applyBlock(this.store, block, this.opts());
      } catch (err) {
        if (!(err instanceof BlockError)) throw err;
        found = err.message;
      }
      this.checked.set(key, found);
    }
    return found;
  }

  /** Applies a decided block (already validated or carrying a verified certificate). */
  commit(block: Block, certificate: CommitCertificate): void {
    const applied = this.check(block);
    if (typeof applied === 'string') throw new Error(`decided block does not apply: ${applied}`);
    this.store.applySync(applied.changes, applied.stateRoot);
    this.tipHash = applied.hash;
    this.blocks.push({ block, certificate, hash: applied.hash });
    this.checked.clear();
    for (const tx of block.txs) this.mempool.delete(toHex(txId(tx)));
    if (readTip(this.store).height !== this.height) throw new Error('tip height out of step');
  }
}
