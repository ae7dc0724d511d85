import { decodeSigningState, type SigningState } from '@v2g/consensus';
import { type Block, blockHash, bytesEqual, genesisState, toHex, txId } from '@v2g/core';
import type { ChainStore } from './chainStore.ts';
import { ChainStoreError } from './chainStoreError.ts';
import { SIGNING_STATE_KEY } from './signingStateStore.ts';

export interface StoreSummary {
  readonly height: number;
  readonly head: string;
  readonly stateRoot: string;
  /** Where the consensus signing state stands; null when this LEAG never signed. */
  readonly signingState: { height: number; round: number; step: string } | null;
}

/**
 * Checks a loaded chain store against itself, as CometBFT reconciles its
 * block store and state store at start-up. Every block commits in one atomic
 * batch (block, certificate, indices, state changes, head, digest), so on a
 * healthy disk all of these agree; any disagreement means the data directory
 * was damaged or tampered with, and serving it would answer with a state the
 * network never agreed on.
 */
export async function checkChainStore(store: ChainStore): Promise<StoreSummary> {
  const { height, hash } = store.head;
  const digest = store.state.digest;
  if (height === 0) {
    if (!bytesEqual(digest, genesisState(store.genesis).digest)) {
      throw new ChainStoreError(
        { code: 'state-corrupt', height },
        'the stored state root is not the genesis state root at height 0',
      );
    }
  } else {
    const block = await headBlock(store, height);
    const headError = (what: string) =>
      new ChainStoreError(
        { code: 'head-inconsistent', height },
        `the head record (height ${height}) ${what}`,
      );
    if (block.header.height !== height) throw headError(`points at a block of height ${block.header.height}`);
    if (!bytesEqual(blockHash(block.header), hash))
      throw headError('names a hash that is not the stored block’s');
    const cert = await store.certificateAt(height).catch(() => undefined);
    if (!cert) throw headError('has no readable commit certificate');
    if (cert.height !== height || !bytesEqual(cert.blockHash, hash))
      throw headError('has a certificate for another block');
    if ((await store.heightOf(hash)) !== height) throw headError('is missing from the block index');
    // The header's stateRoot is the digest after executing the block, stored in the same batch.
    if (!bytesEqual(block.header.stateRoot, digest)) {
      throw new ChainStoreError(
        { code: 'state-corrupt', height },
        `the stored state root ${toHex(digest)} is not the state root of the head block (${toHex(block.header.stateRoot)})`,
      );
    }
    for (const [index, tx] of block.txs.entries()) {
      const at = await store.locateTx(txId(tx));
      if (at?.height !== height || at.index !== index) {
        throw new ChainStoreError(
          { code: 'index-inconsistent', height },
          `transaction ${index} of the head block is not indexed at (${height}, ${index})`,
        );
      }
    }
  }
  if ((await store.blockAt(height + 1)) !== undefined) {
    throw new ChainStoreError(
      { code: 'head-inconsistent', height },
      `a block is stored at height ${height + 1}, above the head record (${height})`,
    );
  }
  store.verifyState();
  const signing = await readSigningState(store);
  return {
    height,
    head: toHex(hash),
    stateRoot: toHex(digest),
    signingState: signing && { height: signing.height, round: signing.round, step: signing.step },
  };
}

async function headBlock(store: ChainStore, height: number): Promise<Block> {
  try {
    const block = await store.decodedBlockAt(height);
    if (block) return block;
  } catch {
    // reported below
  }
  throw new ChainStoreError(
    { code: 'head-inconsistent', height },
    `the head record names height ${height} but no readable block is stored there`,
  );
}

/**
 * The signing state guards against double votes, so one that does not read
 * back must stop the LEAG: taking it for "never signed" could sign twice.
 * A signing state at a height above the chain head is legal (the LEAG voted
 * for a block it had not stored yet, or lost unsynced blocks to a power cut);
 * one below the head is too (it caught up by sync without voting).
 */
async function readSigningState(store: ChainStore): Promise<SigningState | null> {
  const raw = await store.wal.get(SIGNING_STATE_KEY);
  if (raw === undefined) return null;
  let state: SigningState;
  try {
    state = decodeSigningState(raw);
  } catch (err) {
    throw new ChainStoreError(
      { code: 'signing-state-corrupt' },
      `the consensus signing state does not decode: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const bad = (why: string) =>
    new ChainStoreError({ code: 'signing-state-corrupt' }, `the consensus signing state ${why}`);
  if (state.height < 1) throw bad('is for height 0, where nothing is signed');
  if (state.lock && state.lock.round > state.round) throw bad('holds a lock from a later round than its own');
  for (const v of state.votes) {
    if (v.height !== state.height || v.round > state.round) {
      throw bad(`keeps a vote (height ${v.height}, round ${v.round}) beyond its own height and round`);
    }
  }
  return state;
}
