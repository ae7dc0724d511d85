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
import { ConsensusKeys } from '../rules/committeeRecord.ts';
import { type CommitteeSelection, selectCommittee } from '../selectCommittee.ts';

/** The state key an evidence transaction's offence is recorded under, or null for other kinds. */
function offenceKey(tx: Tx): string | null {
  if (tx.body.kind !== 'evidence') return null;
  const v = tx.body.first;
  return ConsensusKeys.evidence(toHex(v.voter), v.height, v.round, v.type);
}

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
  /** Height of this chain when each evidence offence was first seen (by offence key). */
  private readonly evidenceSince = new Map<string, { tx: Tx; since: number }>();
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
    const offence = offenceKey(tx);
    if (offence !== null && !this.evidenceSince.has(offence)) {
      this.evidenceSince.set(offence, { tx, since: this.height });
    }
  }

  /** Evidence not yet on the chain: what this LEAG keeps gossiping and insists blocks include. */
  pendingEvidence(): Tx[] {
    for (const key of [...this.evidenceSince.keys()])
      if (this.store.get(key) !== undefined) this.evidenceSince.delete(key);
    return [...this.evidenceSince.values()].map((e) => e.tx);
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
      acceptable: (block) => this.acceptable(block),
    };
  }

  /**
   * Local policy for prepare votes: a block must carry every offence this
   * LEAG has held as evidence since before the parent block, so that a
   * leader cannot censor evidence against itself for ever.
   */
  acceptable(block: Block): Validation {
    this.pendingEvidence();
    const included = new Set(block.txs.map(offenceKey));
    for (const [key, e] of this.evidenceSince) {
      if (e.since < this.height && !included.has(key)) return { ok: false, reason: `omits evidence ${key}` };
    }
    return { ok: true };
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
