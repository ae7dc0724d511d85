import { blockHash, lastCommitHash } from '../block/codec.ts';
import type { Block, BlockHeader, CommitCertificate } from '../block/types.ts';
import { toHex } from '../crypto/hash.ts';
import { bytesEqual } from '../encoding/cbor.ts';
import type { Genesis } from '../genesis/genesis.ts';
import { MerkleTree } from '../merkle.ts';
import { TxError } from '../tx/txError.ts';
import { txHash, txId } from '../tx/txId.ts';
import type { Tx } from '../tx/types.ts';
import { applyTx, type TxVerifiedCache } from './applyTx.ts';
import { BlockError } from './blockError.ts';
import { Keys, SPENT_RETENTION_BLOCKS } from './keys.ts';
import { type TipRecord, tipCodec } from './records.ts';
import type { Rules } from './rules.ts';
import { StateView } from './stateView.ts';
import type { StateChanges, StateReader } from './store.ts';

export interface ExecutionOptions {
  readonly genesis: Genesis;
  readonly rules: Rules;
  /** Hash of the block this one extends (the genesis hash for height 1). */
  readonly parentHash: Uint8Array;
  readonly verified?: TxVerifiedCache;
}

export interface AppliedBlock {
  readonly hash: Uint8Array;
  readonly changes: StateChanges;
  readonly stateRoot: Uint8Array;
  /** Transaction ids in block order. */
  readonly txIds: readonly Uint8Array[];
}

export function readTip(state: StateReader): TipRecord {
  const raw = new StateView(state).read(tipCodec, Keys.tip);
  if (!raw) throw new RangeError('state has no tip: was the genesis applied?');
  return raw;
}

/**
 * Applies a block to a state: header linkage, every transaction in order,
 * the end-of-block rules, then the state root. Returns the changes to commit,
 * or throws BlockError naming the first invalid transaction.
 */
export function applyBlock(state: StateReader, block: Block, opts: ExecutionOptions): AppliedBlock {
  const { header } = block;
  const tip = readTip(state);
  checkHeader(header, tip, opts);
  if (block.txs.length > opts.genesis.params.consensus.maxBlockTxs) {
    throw new BlockError({
      code: 'too-many-txs',
      count: block.txs.length,
      limit: opts.genesis.params.consensus.maxBlockTxs,
    });
  }
  const hashes = block.txs.map(txHash);
  if (!bytesEqual(new MerkleTree(hashes).root, header.txRoot))
    throw new BlockError({ code: 'tx-root-mismatch' });
  if (!bytesEqual(lastCommitHash(block.lastCommit), header.lastCommitHash)) {
    throw new BlockError({ code: 'last-commit-mismatch' });
  }

  const view = new StateView(state);
  const ctx = { genesis: opts.genesis, block, header, view };
  for (const hook of opts.rules.beginBlock) hook(ctx);
  const txIds: Uint8Array[] = [];
  block.txs.forEach((tx, index) => {
    const id = txId(tx);
    try {
      applyTx(ctx, opts.rules, tx, id, toHex(hashes[index]!), opts.verified);
    } catch (err) {
      if (err instanceof TxError) throw BlockError.fromTx(index, err);
      throw err;
    }
    txIds.push(id);
  });
  finishBlock(ctx, opts.rules);
  const { changes, digest: stateRoot } = view.finish();
  if (!bytesEqual(stateRoot, header.stateRoot)) throw new BlockError({ code: 'state-root-mismatch' });
  return { hash: blockHash(header), changes, stateRoot, txIds };
}

function checkHeader(header: BlockHeader, tip: TipRecord, opts: ExecutionOptions): void {
  if (header.chainId !== opts.genesis.chainId)
    throw new BlockError({ code: 'wrong-chain', chainId: header.chainId });
  if (header.height !== tip.height + 1) {
    throw new BlockError({ code: 'wrong-height', expected: tip.height + 1, got: header.height });
  }
  if (!bytesEqual(header.parentHash, opts.parentHash)) throw new BlockError({ code: 'wrong-parent' });
  if (header.timestamp < tip.timestamp) {
    throw new BlockError({ code: 'timestamp-too-early', parent: tip.timestamp, got: header.timestamp });
  }
}

function finishBlock(
  ctx: { genesis: Genesis; block: Block; header: BlockHeader; view: StateView },
  rules: Rules,
) {
  for (const hook of rules.endBlock) hook(ctx);
  const { view, header } = ctx;
  // Spent outpoints are remembered for a bounded time only.
  const expired = header.height - SPENT_RETENTION_BLOCKS;
  if (expired > 0) {
    const bucket = Keys.spentAt(expired);
    for (const [key] of view.scan(bucket)) {
      const [txIdHex, index] = key.slice(bucket.length).split(':');
      view.delete(Keys.spent(Buffer.from(txIdHex!, 'hex'), Number(index)));
      view.delete(key);
    }
  }
  view.write(tipCodec, Keys.tip, { height: header.height, timestamp: header.timestamp });
}

export interface BlockTemplate {
  readonly height: number;
  readonly timestamp: number;
  readonly proposer: Uint8Array;
  readonly round: number;
  readonly lastCommit: CommitCertificate | null;
}

export interface BuiltBlock extends AppliedBlock {
  readonly block: Block;
  readonly rejected: readonly { readonly tx: Tx; readonly error: TxError }[];
}

/**
 * The proposer's side: takes candidate transactions in order, keeps those
 * that apply, and fills in txRoot and stateRoot. The block it returns passes
 * `applyBlock` on every honest node.
 */
export function buildBlock(
  state: StateReader,
  template: BlockTemplate,
  candidates: readonly Tx[],
  opts: ExecutionOptions,
): BuiltBlock {
  const tip = readTip(state);
  const header0: BlockHeader = {
    version: 1,
    chainId: opts.genesis.chainId,
    height: template.height,
    parentHash: opts.parentHash,
    txRoot: new Uint8Array(32),
    stateRoot: new Uint8Array(32),
    lastCommitHash: lastCommitHash(template.lastCommit),
    timestamp: Math.max(template.timestamp, tip.timestamp),
    proposer: template.proposer,
    round: template.round,
  };
  checkHeader(header0, tip, opts);
  const view = new StateView(state);
  const draft: Block = { header: header0, txs: [], lastCommit: template.lastCommit };
  const ctx = { genesis: opts.genesis, block: draft, header: header0, view };
  for (const hook of opts.rules.beginBlock) hook(ctx);
  const txs: Tx[] = [];
  const txIds: Uint8Array[] = [];
  const hashes: Uint8Array[] = [];
  const rejected: { tx: Tx; error: TxError }[] = [];
  const limit = opts.genesis.params.consensus.maxBlockTxs;
  for (const tx of candidates) {
    if (txs.length >= limit) break;
    const id = txId(tx);
    const hash = txHash(tx);
    try {
      applyTx(ctx, opts.rules, tx, id, toHex(hash), opts.verified);
    } catch (err) {
      if (err instanceof TxError) {
        rejected.push({ tx, error: err });
        continue;
      }
      throw err;
    }
    txs.push(tx);
    txIds.push(id);
    hashes.push(hash);
  }
  finishBlock({ ...ctx, block: { ...draft, txs } }, opts.rules);
  const { changes, digest: stateRoot } = view.finish();
  const header: BlockHeader = { ...header0, txRoot: new MerkleTree(hashes).root, stateRoot };
  const block: Block = { header, txs, lastCommit: template.lastCommit };
  return { block, hash: blockHash(header), changes, stateRoot, txIds, rejected };
}
