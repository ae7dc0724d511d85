import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeSigningState } from '@v2g/consensus';
import { utf8 } from '@v2g/core';
import { Bucket } from '../src/storage/buckets.ts';
import { ChainStore, ChainStoreError, type ChainStoreErrorCode } from '../src/storage/chainStore.ts';
import { u64 } from '../src/storage/repository.ts';
import { SIGNING_STATE_KEY } from '../src/storage/signingStateStore.ts';
import { commitBlocks, storeGenesis, withRawStore } from './storeFixture.ts';

let root: string;
let n = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'v2g-store-check-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A stopped store with `blocks` committed blocks, in its own directory. */
async function stoppedStore(blocks: number): Promise<string> {
  const dir = join(root, `store-${n++}`);
  const store = await ChainStore.open(dir, storeGenesis);
  await commitBlocks(store, blocks);
  await store.close();
  return dir;
}

async function refused(dir: string, code: ChainStoreErrorCode, options = {}): Promise<ChainStoreError> {
  const err = await ChainStore.open(dir, storeGenesis, options).then(
    async (s) => {
      await s.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.ok(err instanceof ChainStoreError, `expected a ChainStoreError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

test('a new data directory becomes a store that, reopened, passes its checks at the same head', async () => {
  const dir = await stoppedStore(3);
  const store = await ChainStore.open(dir, storeGenesis);
  assert.equal(store.head.height, 3);
  assert.equal(store.summary?.height, 3);
  assert.equal(store.summary?.signingState, null);
  await store.close();
});

test('a data directory whose LevelDB CURRENT file is gone is refused, and none of its files are touched', async () => {
  const dir = await stoppedStore(3);
  await unlink(join(dir, 'CURRENT'));
  const before = (await readdir(dir)).sort();
  const err = await refused(dir, 'not-a-store');
  assert.match(err.message, /CURRENT/);
  assert.deepEqual((await readdir(dir)).sort(), before, 'no file was created or deleted');
});

test('a non-empty directory that never held a database is refused', async () => {
  const dir = join(root, `stray-${n++}`);
  await mkdir(dir);
  await writeFile(join(dir, 'notes.txt'), 'not a database\n');
  await refused(dir, 'not-a-store');
});

test('a wrong stored state root is refused as state-corrupt', async () => {
  const dir = await stoppedStore(2);
  await withRawStore(dir, (b) => b.meta.put('digest', new Uint8Array(32).fill(7)));
  const err = await refused(dir, 'state-corrupt');
  assert.match(err.message, /state root/);
});

test('a state record changed behind its digest is refused as state-corrupt', async () => {
  const dir = await stoppedStore(2);
  await withRawStore(dir, async (b) => {
    for await (const [key, value] of b.state.entries()) {
      const flipped = new Uint8Array(value);
      flipped[flipped.length - 1]! ^= 1;
      await b.db.put(b.state.key(new TextDecoder().decode(key)), flipped);
      break;
    }
  });
  await refused(dir, 'state-corrupt');
});

test('a head record whose block is missing is refused as head-inconsistent', async () => {
  const dir = await stoppedStore(2);
  await withRawStore(dir, (b) => b.db.del(b.bucket(Bucket.blocks).key(u64(2))));
  await refused(dir, 'head-inconsistent');
});

test('a head record whose certificate is missing is refused as head-inconsistent', async () => {
  const dir = await stoppedStore(2);
  await withRawStore(dir, (b) => b.db.del(b.bucket(Bucket.certificates).key(u64(2))));
  await refused(dir, 'head-inconsistent');
});

test('a block stored above the head record is refused as head-inconsistent', async () => {
  const dir = await stoppedStore(3);
  await withRawStore(dir, async (b) => {
    const head = await b.meta.get('head');
    const older = new Uint8Array(head!);
    older.set(u64(2), 0);
    await b.meta.put('head', older);
  });
  await refused(dir, 'head-inconsistent');
});

test('a head transaction missing from the transaction index is refused as index-inconsistent', async () => {
  const dir = await stoppedStore(2);
  await withRawStore(dir, async (b) => {
    const index = b.bucket(Bucket.txIndex);
    for await (const [id, loc] of index.entries()) {
      if (new DataView(loc.buffer, loc.byteOffset).getBigUint64(0) === 2n) {
        await b.db.del(index.key(id));
        break;
      }
    }
  });
  await refused(dir, 'index-inconsistent');
});

test('a signing state that does not decode is refused; one ahead of the chain is accepted', async () => {
  const dir = await stoppedStore(2);
  await withRawStore(dir, (b) => b.wal.put(SIGNING_STATE_KEY, utf8('garbage')));
  await refused(dir, 'signing-state-corrupt');
  const ahead = encodeSigningState({
    height: 9,
    round: 4,
    step: 'prepare',
    lock: null,
    lockedBlock: null,
    polka: [],
    votes: [],
  });
  await withRawStore(dir, (b) => b.wal.put(SIGNING_STATE_KEY, ahead));
  const store = await ChainStore.open(dir, storeGenesis);
  assert.deepEqual(store.summary?.signingState, { height: 9, round: 4, step: 'prepare' });
  await store.close();
});

test('a database with records but no genesis hash is refused', async () => {
  const dir = await stoppedStore(1);
  await withRawStore(dir, (b) => b.db.del(b.meta.key('genesis')));
  await refused(dir, 'genesis-missing');
});

test('checking without creating refuses an absent directory and leaves it absent', async () => {
  const dir = join(root, `absent-${n++}`);
  await refused(dir, 'no-store', { create: false });
  await assert.rejects(stat(dir), /ENOENT/);
});

test('a store already open elsewhere is reported as locked', async () => {
  const dir = await stoppedStore(1);
  const open = await ChainStore.open(dir, storeGenesis);
  try {
    await refused(dir, 'store-locked');
  } finally {
    await open.close();
  }
});
