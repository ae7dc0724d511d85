import type { EventEmitter } from 'node:events';
import { type Committee, selectCommittee, type Validation, verifyCertificate } from '@v2g/consensus';
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
  toHex,
} from '@v2g/core';
import type { Logger } from 'pino';
import type { BlockEvent } from '../api/server.ts';
import type { Mempool } from '../mempool/mempool.ts';
import type { NodeMetrics } from '../metrics/nodeMetrics.ts';
import type { ChainStore } from '../storage/chainStore.ts';
import { dryRunTx } from './dryRun.ts';

export interface BlockProcessorComponents {
  readonly chain: ChainStore;
  readonly genesis: Genesis;
  readonly rules: Rules;
  readonly mempool: Mempool;
  readonly metrics: NodeMetrics;
  readonly events: EventEmitter;
  readonly logger: Logger;
  readonly proposer: Uint8Array;
}

/** One offence: a voter's two votes for the same height, round and step. */
function offenceKey(vote: SignedVote): string {
  return `${toHex(vote.voter)}/${vote.height}/${vote.round}/${vote.type}`;
}

export type ImportResult = { ok: true } | { ok: false; code: string; reason: string };

/**
 * Everything that turns blocks into chain: proposing from the mempool,
 * validating proposals (the result is kept, so a commit does not execute the
 * block again), committing with its certificate, and importing certified
 * blocks from gossip or sync after checking the certificate against the
 * committee this node computes itself.
 */
export class BlockProcessor {
  private readonly c: BlockProcessorComponents;
  /** Executed blocks on top of the current head, by hash; cleared at every commit. */
  private readonly executed = new Map<string, AppliedBlock>();
  private committing: Promise<void> = Promise.resolve();

  constructor(components: BlockProcessorComponents) {
    this.c = components;
  }

  get height(): number {
    return this.c.chain.head.height;
  }

  committee(): Committee | null {
    const s = selectCommittee(this.c.chain.state, this.c.genesis.params.consensus);
    return s.ok ? s.committee : null;
  }

  committeeReason(): string | null {
    const s = selectCommittee(this.c.chain.state, this.c.genesis.params.consensus);
    return s.ok ? null : s.reason;
  }

  propose(height: number, round: number, lastCommit: CommitCertificate | null): Block {
    const end = this.c.metrics.buildSeconds.startTimer();
    const candidates = this.c.mempool.take(this.c.genesis.params.consensus.maxBlockTxs);
    const built = buildBlock(
      this.c.chain.state,
      { height, round, timestamp: Date.now(), proposer: this.c.proposer, lastCommit },
      candidates.map((p) => p.tx),
      {
        genesis: this.c.genesis,
        rules: this.c.rules,
        parentHash: this.c.chain.head.hash,
        verified: this.c.mempool,
      },
    );
    for (const r of built.rejected) {
      this.c.metrics.txsRejected.inc({ source: 'proposal', code: r.error.code });
    }
    for (const p of candidates) {
      if (built.rejected.some((r) => r.tx === p.tx)) this.c.mempool.remove(p.idHex);
    }
    this.executed.set(toHex(built.hash), built);
    end();
    return built.block;
  }

  /**
   * The engine's prepare-vote policy (decision 0004): a proposal must carry
   * every offence this LEAG has held as evidence since before the parent
   * block, and that still applies, so a leader cannot keep censoring
   * evidence against itself. Only prepare votes consult it; locking on and
   * deciding a block a quorum backs never do.
   */
  acceptable(block: Block): Validation {
    const held = this.c.mempool.heldEvidence().filter((e) => e.since < this.c.chain.head.height);
    if (held.length === 0) return { ok: true };
    const included = new Set(
      block.txs.flatMap((tx) => (tx.body.kind === 'evidence' ? [offenceKey(tx.body.first)] : [])),
    );
    for (const { pending } of held) {
      if (pending.tx.body.kind !== 'evidence' || included.has(offenceKey(pending.tx.body.first))) continue;
      const stillApplies = dryRunTx(
        this.c.chain.state,
        this.c.genesis,
        this.c.rules,
        pending.tx,
        this.c.mempool,
      );
      if (stillApplies.ok)
        return { ok: false, reason: `omits evidence ${pending.idHex} held since an earlier block` };
      this.c.mempool.remove(pending.idHex);
    }
    return { ok: true };
  }

  validate(block: Block): Validation {
    const key = toHex(blockHash(block.header));
    if (this.executed.has(key)) return { ok: true };
    const end = this.c.metrics.validateSeconds.startTimer();
    try {
      const applied = applyBlock(this.c.chain.state, block, this.options());
      this.executed.set(key, applied);
      return { ok: true };
    } catch (err) {
      if (err instanceof BlockError) {
        this.c.metrics.blocksRejected.inc({ source: 'proposal', code: err.type.code });
        return { ok: false, reason: err.message };
      }
      throw err;
    } finally {
      end();
    }
  }

  /** Commits a block decided by this node's engine. Serialized: one commit at a time. */
  commit(block: Block, certificate: CommitCertificate): Promise<void> {
    const next = this.committing.then(() => this.commitNow(block, certificate));
    this.committing = next.catch(() => undefined);
    return next;
  }

  /**
   * Imports a block with the certificate that committed it (gossip or sync).
   * Safe to call with stale or duplicate blocks: they are ignored.
   */
  async importCertified(block: Block, certificate: CommitCertificate, source: string): Promise<ImportResult> {
    await this.committing;
    const height = block.header.height;
    if (height <= this.height)
      return { ok: false, code: 'stale', reason: `already at height ${this.height}` };
    if (height !== this.height + 1)
      return { ok: false, code: 'gap', reason: `expected height ${this.height + 1}` };
    const hash = blockHash(block.header);
    if (certificate.height !== height || !bytesEqual(certificate.blockHash, hash)) {
      return this.refuse(source, 'certificate-mismatch', 'the certificate is for another block');
    }
    const committee = this.committee();
    if (!committee) return this.refuse(source, 'no-committee', this.committeeReason() ?? '');
    const check = verifyCertificate(certificate, committee, this.c.genesis.chainId);
    if (!check.ok) return this.refuse(source, 'invalid-certificate', check.reason);
    const valid = this.validate(block);
    if (!valid.ok) return this.refuse(source, 'invalid-block', valid.reason);
    await this.commit(block, certificate);
    return { ok: true };
  }

  private refuse(source: string, code: string, reason: string): ImportResult {
    this.c.metrics.blocksRejected.inc({ source, code });
    this.c.logger.warn({ source, code, reason }, 'block refused');
    return { ok: false, code, reason };
  }

  private async commitNow(block: Block, certificate: CommitCertificate): Promise<void> {
    const height = block.header.height;
    if (height <= this.height) return;
    const hash = blockHash(block.header);
    const key = toHex(hash);
    let applied = this.executed.get(key);
    if (!applied) applied = applyBlock(this.c.chain.state, block, this.options());
    const end = this.c.metrics.commitSeconds.startTimer();
    await this.c.chain.commit({
      block,
      hash,
      certificate,
      changes: applied.changes,
      stateRoot: applied.stateRoot,
      txIds: applied.txIds,
    });
    end();
    this.executed.clear();
    this.c.mempool.onCommit(block.txs, applied.txIds);
    this.c.metrics.height.set(height);
    this.c.metrics.blocksCommitted.inc();
    this.c.metrics.txsCommitted.inc(block.txs.length);
    const event: BlockEvent = {
      height,
      hash: key,
      txs: block.txs.length,
      timestamp: block.header.timestamp,
      txIds: applied.txIds.map(toHex),
    };
    this.c.events.emit('block', event);
    this.c.logger.info(
      { height, round: block.header.round, txs: block.txs.length, hash: key.slice(0, 16) },
      'block committed',
    );
  }

  private options() {
    return {
      genesis: this.c.genesis,
      rules: this.c.rules,
      parentHash: this.c.chain.head.hash,
      verified: this.c.mempool,
    };
  }
}
