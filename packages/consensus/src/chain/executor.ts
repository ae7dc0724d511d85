import {
  type AppliedBlock,
  applyBlock,
  type Block,
  BlockError,
  blockHash,
  buildBlock,
  bytesEqual,
  type CommitCertificate,
  type Genesis,
  type Rules,
  type SignedVote,
  type StateReader,
  toHex,
} from '@v2g/core';
import { verifyCertificate } from '../certificate.ts';
import type { BlockValidator, Validation } from '../interface.ts';
import { andThen, type MaybePromise } from '../maybePromise.ts';
import { ConsensusKeys, readLeaderRotation } from '../rules/committeeRecord.ts';
import { type CommitteeSelection, selectCommittee } from '../selectCommittee.ts';
import type { VoteVerifier } from '../voteVerifier.ts';
import type { ChainStorage } from './chainStorage.ts';
import { dryRunTx } from './dryRun.ts';
import type { Mempool } from './mempool.ts';

/** What a commit tells the rest of the node (events, API, metrics). */
export interface CommittedBlock {
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly certificate: CommitCertificate;
  readonly txIds: readonly Uint8Array[];
}

/** Where a refused block came from: the engine's proposal, or a certified block from gossip or sync. */
export type BlockSource = 'proposal' | 'gossip' | 'sync';

export type ImportCode =
  | 'stale'
  | 'gap'
  | 'certificate-mismatch'
  | 'no-committee'
  | 'invalid-certificate'
  | 'invalid-block';

export type ImportCheck = { readonly ok: true } | { readonly ok: false; code: ImportCode; reason: string };

/** Optional observers: metrics and logs in the daemon, nothing in the simulator. */
export interface ExecutorObserver {
  txRejected?(source: 'proposal', code: string): void;
  blockRejected?(source: BlockSource, code: string, reason: string): void;
  stageSeconds?(stage: 'build' | 'validate' | 'commit', seconds: number): void;
  committed?(block: CommittedBlock): void;
}

export interface ExecutorComponents {
  readonly storage: ChainStorage;
  readonly genesis: Genesis;
  readonly rules: Rules;
  readonly mempool: Mempool;
  /** This LEAG's key: the proposer of the blocks it builds. */
  readonly proposer: Uint8Array;
  /** Wall-clock (or virtual) milliseconds since the epoch, for block timestamps. */
  readonly now: () => number;
  readonly verifyVote: VoteVerifier;
  /** The certificate of the stored head (null at genesis); the next proposal carries it. */
  readonly lastCertificate: CommitCertificate | null;
  readonly observer?: ExecutorObserver;
}

/** The state key of one offence: a voter's two votes for the same height, round and step. */
export function offenceKey(vote: SignedVote): string {
  return ConsensusKeys.evidence(toHex(vote.voter), vote.height, vote.round, vote.type);
}

/**
 * The one chain executor (CometBFT's BlockExecutor): builds proposals from
 * the mempool, validates blocks (keeping the result so a commit does not
 * execute twice), applies the evidence policy, checks certified blocks from
 * gossip and sync against the committee it computes itself, commits, and
 * updates the mempool after each commit. Consensus, block sync and the
 * simulator all execute through it, with the same rules.
 */
export class ChainExecutor implements BlockValidator {
  private readonly c: ExecutorComponents;
  /** Executed blocks on top of the current head, by hash; cleared at every commit. */
  private readonly executed = new Map<string, AppliedBlock>();
  private readonly refused = new Map<string, string>();
  private certificate: CommitCertificate | null;
  private selection: { readonly height: number; readonly result: CommitteeSelection } | null = null;

  constructor(components: ExecutorComponents) {
    this.c = components;
    this.certificate = components.lastCertificate;
  }

  get height(): number {
    return this.c.storage.head.height;
  }

  get lastCertificate(): CommitCertificate | null {
    return this.certificate;
  }

  get mempool(): Mempool {
    return this.c.mempool;
  }

  /** The committed state (read-only). */
  get state(): StateReader {
    return this.c.storage.state;
  }

  /**
   * Forgets everything computed on top of the head and takes the stored
   * head's certificate again: after the store was reopened, before a new
   * driver starts over it.
   */
  reset(lastCertificate: CommitCertificate | null): void {
    this.executed.clear();
    this.refused.clear();
    this.selection = null;
    this.certificate = lastCertificate;
  }

  /** Rounds added to the next height's rounds when picking its leader. */
  leaderRotation(): number {
    return readLeaderRotation(this.c.storage.state);
  }

  /** The committee for the next height, from the committed state (computed once per height). */
  committee(): CommitteeSelection {
    const height = this.height;
    if (this.selection?.height !== height)
      this.selection = {
        height,
        result: selectCommittee(this.c.storage.state, this.c.genesis.params.consensus),
      };
    return this.selection.result;
  }

  propose(height: number, round: number, lastCommit: CommitCertificate | null): Block {
    const started = performance.now();
    const candidates = this.c.mempool.take(this.c.genesis.params.consensus.maxBlockTxs);
    const built = buildBlock(
      this.c.storage.state,
      { height, round, timestamp: this.c.now(), proposer: this.c.proposer, lastCommit },
      candidates.map((p) => p.tx),
      this.options(),
    );
    if (built.rejected.length > 0) {
      const refused = new Map(built.rejected.map((r) => [r.tx, r.error]));
      for (const r of built.rejected) this.c.observer?.txRejected?.('proposal', r.error.code);
      for (const p of candidates) {
        const error = refused.get(p.tx);
        if (error) this.c.mempool.drop(p.idHex, error.type.code, error.type.reason);
      }
    }
    this.executed.set(toHex(built.hash), built);
    this.c.observer?.stageSeconds?.('build', (performance.now() - started) / 1000);
    return built.block;
  }

  validate(block: Block): Validation {
    const key = toHex(blockHash(block.header));
    if (this.executed.has(key)) return { ok: true };
    const known = this.refused.get(key);
    if (known !== undefined) return { ok: false, reason: known };
    if (block.header.height !== this.height + 1)
      return { ok: false, reason: `height ${block.header.height} is not next` };
    const started = performance.now();
    try {
      this.executed.set(key, applyBlock(this.c.storage.state, block, this.options()));
      return { ok: true };
    } catch (err) {
      if (!(err instanceof BlockError)) throw err;
      this.refused.set(key, err.message);
      this.c.observer?.blockRejected?.('proposal', err.type.code, err.message);
      return { ok: false, reason: err.message };
    } finally {
      this.c.observer?.stageSeconds?.('validate', (performance.now() - started) / 1000);
    }
  }

  /**
   * The prepare-vote policy (decision 0004): a proposal must carry every
   * offence this LEAG has held as evidence since before the parent block,
   * and that still applies, so a leader cannot keep censoring evidence
   * against itself. Locking on and deciding a block a quorum backs never
   * consult it.
   */
  acceptable(block: Block): Validation {
    const head = this.height;
    const held = this.c.mempool.heldEvidence().filter((e) => e.since < head);
    if (held.length === 0) return { ok: true };
    const included = new Set(
      block.txs.flatMap((tx) => (tx.body.kind === 'evidence' ? [offenceKey(tx.body.first)] : [])),
    );
    for (const { pending } of held) {
      if (pending.tx.body.kind !== 'evidence' || included.has(offenceKey(pending.tx.body.first))) continue;
      const { genesis, rules, storage, mempool } = this.c;
      const still = dryRunTx(storage.state, genesis, rules, pending.tx, mempool);
      if (still.ok)
        return { ok: false, reason: `omits evidence ${pending.idHex} held since an earlier block` };
      mempool.drop(pending.idHex, still.code, still.reason);
    }
    return { ok: true };
  }

  /**
   * Whether a block with the certificate that committed it (from gossip or
   * sync) extends our head: the next height, a certificate for this very
   * block from more than 2/3 of the committee this LEAG computes itself,
   * and a block that applies.
   */
  checkCertified(block: Block, certificate: CommitCertificate, source: BlockSource): ImportCheck {
    const height = block.header.height;
    if (height <= this.height) return { ok: false, code: 'stale', reason: `already at ${this.height}` };
    if (height !== this.height + 1)
      return { ok: false, code: 'gap', reason: `expected height ${this.height + 1}` };
    if (certificate.height !== height || !bytesEqual(certificate.blockHash, blockHash(block.header)))
      return this.refuse(source, 'certificate-mismatch', 'the certificate is for another block');
    const selection = this.committee();
    if (!selection.ok) return this.refuse(source, 'no-committee', selection.reason);
    const check = verifyCertificate(
      certificate,
      selection.committee,
      this.c.genesis.chainId,
      this.c.verifyVote,
    );
    if (!check.ok) return this.refuse(source, 'invalid-certificate', check.reason);
    const valid = this.validate(block);
    if (!valid.ok) return this.refuse(source, 'invalid-block', valid.reason);
    return { ok: true };
  }

  private refuse(source: BlockSource, code: ImportCode, reason: string): ImportCheck {
    this.c.observer?.blockRejected?.(source, code, reason);
    return { ok: false, code, reason };
  }

  /**
   * Commits a decided (or certified and checked) block: one atomic write of
   * the block, certificate, indices and state changes, then the mempool
   * drops what the block included or made unspendable.
   */
  commit(block: Block, certificate: CommitCertificate, durable = true): MaybePromise<void> {
    const hash = blockHash(block.header);
    const key = toHex(hash);
    const applied = this.executed.get(key) ?? applyBlock(this.c.storage.state, block, this.options());
    const started = performance.now();
    const written = this.c.storage.commit({
      block,
      hash,
      certificate,
      changes: applied.changes,
      stateRoot: applied.stateRoot,
      txIds: applied.txIds,
      durable,
    });
    return andThen(written, () => {
      this.c.observer?.stageSeconds?.('commit', (performance.now() - started) / 1000);
      this.executed.clear();
      this.refused.clear();
      this.certificate = certificate;
      this.c.mempool.onCommit(block.txs, applied.txIds);
      this.c.observer?.committed?.({ block, hash, certificate, txIds: applied.txIds });
    });
  }

  private options() {
    return {
      genesis: this.c.genesis,
      rules: this.c.rules,
      parentHash: this.c.storage.head.hash,
      verified: this.c.mempool,
    };
  }
}
