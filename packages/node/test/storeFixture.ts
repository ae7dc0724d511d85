import { tariffTx } from '@v2g/client';
import {
  buildBlock,
  type CommitCertificate,
  combineRules,
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  type Genesis,
  generateKeyPair,
  ledgerRules,
  marketRules,
  utf8,
} from '@v2g/core';
import { Level } from 'level';
import { Bucket } from '../src/storage/buckets.ts';
import type { ChainStore } from '../src/storage/chainStore.ts';
import { bytesCodec, Repository } from '../src/storage/repository.ts';

const grid = generateKeyPair();
const leag = generateKeyPair();

export const storeGenesis: Genesis = {
  chainId: 'v2g-store-test',
  genesisTime: 0,
  raKey: generateKeyPair().publicKey,
  gridOperatorKey: grid.publicKey,
  leags: [{ publicKey: leag.publicKey, name: 'leag-0', reputationPpm: 500_000 }],
  params: {
    consensus: { ...defaultConsensusParams, committeeSize: 0 },
    market: defaultMarketParams,
    evReputation: defaultEvReputationParams,
  },
  allocations: [],
};

const rules = combineRules(ledgerRules, marketRules);
let nextWindow = 0;

/**
 * Commits `count` blocks on top of the store's head, each with two grid
 * tariffs (so the transaction index has entries), the way the block processor
 * does: built by the core executor, then one atomic batch. The certificates
 * carry no signatures; the store does not verify them, consensus does.
 */
export async function commitBlocks(store: ChainStore, count: number): Promise<void> {
  let lastCommit: CommitCertificate | null = null;
  for (let i = 0; i < count; i++) {
    const height = store.head.height + 1;
    if (height > 1) lastCommit = (await store.certificateAt(height - 1)) ?? null;
    const txs = [0, 1].map(() => tariffTx(storeGenesis, grid, nextWindow++, 300, 100));
    const built = buildBlock(
      store.state,
      { height, timestamp: height * 1000, proposer: leag.publicKey, round: 0, lastCommit },
      txs,
      { genesis: storeGenesis, rules, parentHash: store.head.hash },
    );
    if (built.rejected.length > 0) throw new Error(`tariff refused: ${built.rejected[0]!.error.message}`);
    await store.commit({
      block: built.block,
      hash: built.hash,
      certificate: { height, round: 0, blockHash: built.hash, signatures: [] },
      changes: built.changes,
      stateRoot: built.stateRoot,
      txIds: built.txIds,
      durable: true,
    });
  }
}

/** Raw access to a stopped store's buckets, to damage it the way a disk or an operator could. */
export async function withRawStore(
  dir: string,
  edit: (b: {
    db: Level<Uint8Array, Uint8Array>;
    meta: Repository<string, Uint8Array>;
    state: Repository<string, Uint8Array>;
    wal: Repository<string, Uint8Array>;
    bucket(bucket: Bucket): Repository<Uint8Array, Uint8Array>;
  }) => Promise<void>,
): Promise<void> {
  const db = new Level<Uint8Array, Uint8Array>(dir, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    createIfMissing: false,
  });
  await db.open();
  const named = (b: Bucket) => new Repository<string, Uint8Array>(db, b, { encodeKey: utf8, ...bytesCodec });
  try {
    await edit({
      db,
      meta: named(Bucket.meta),
      state: named(Bucket.state),
      wal: named(Bucket.consensusWal),
      bucket: (b) => new Repository<Uint8Array, Uint8Array>(db, b, { encodeKey: (k) => k, ...bytesCodec }),
    });
  } finally {
    await db.close();
  }
}
