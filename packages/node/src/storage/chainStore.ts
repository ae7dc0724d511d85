import type { ChainStorage, CommitInput } from '@v2g/consensus';
import {
  type Block,
  bytesEqual,
  type CommitCertificate,
  certificateCodec,
  decode,
  decodeBlock,
  encode,
  encodeBlock,
  type Genesis,
  genesisHash,
  genesisState,
  MemoryStateStore,
  utf8,
} from '@v2g/core';
import { Level } from 'level';
import { Bucket } from './buckets.ts';
import { ChainStoreError } from './chainStoreError.ts';
import { inspectDataDir } from './dataDir.ts';
import { LeagHistory } from './leagHistory.ts';
import { type BatchOp, bytesCodec, type Db, Repository, readU64, u64 } from './repository.ts';
import { checkChainStore, type StoreSummary } from './storeCheck.ts';
import { TxJournal } from './txJournal.ts';

export { ChainStoreError, type ChainStoreErrorCode, type ChainStoreErrorType } from './chainStoreError.ts';

const decoder = new TextDecoder();

export interface Head {
  readonly height: number;
  readonly hash: Uint8Array;
}

export interface TxLocation {
  readonly height: number;
  readonly index: number;
}

export interface OpenOptions {
  /**
   * Whether an absent or empty directory becomes a new store (the daemon) or
   * is an error (`v2g store check`). A non-empty directory without a database
   * is always an error.
   */
  readonly create?: boolean;
}

/**
 * The LEAG's chain on disk. A block, its certificate, its state changes, its
 * indices and the new head go to LevelDB in one atomic batch, then to the
 * in-memory working state. After a crash the node resumes from the last
 * batch that made it to disk: there is nothing in between.
 */
export class ChainStore implements ChainStorage {
  readonly state = new MemoryStateStore();
  /** The open database; `reopen` replaces it, and every repository reads through `db`. */
  private readonly handle: { current: Db; readonly dir: string };
  private readonly db: Db;
  private readonly blocks: Repository<number, Uint8Array>;
  private readonly blockIndex: Repository<Uint8Array, number>;
  private readonly txIndex: Repository<Uint8Array, TxLocation>;
  private readonly stateRepo: Repository<string, Uint8Array>;
  private readonly certificates: Repository<number, Uint8Array>;
  private readonly meta: Repository<string, Uint8Array>;
  readonly wal: Repository<string, Uint8Array>;
  readonly txJournal: TxJournal;
  readonly leagHistory: LeagHistory;
  private currentHead: Head;
  readonly genesis: Genesis;
  /** What the start-up check found (head, state root, signing state). */
  summary: StoreSummary | null = null;

  private constructor(opened: Db, dir: string, genesis: Genesis) {
    this.handle = { current: opened, dir };
    const handle = this.handle;
    // A stable view of whichever database is open now, so a reopen reaches every repository.
    this.db = new Proxy(opened, {
      get(_target, prop) {
        const value = Reflect.get(handle.current, prop, handle.current);
        return typeof value === 'function' ? value.bind(handle.current) : value;
      },
    });
    const db = this.db;
    this.genesis = genesis;
    const byHeight = { encodeKey: u64 };
    this.blocks = new Repository(db, Bucket.blocks, { ...byHeight, ...bytesCodec });
    this.certificates = new Repository(db, Bucket.certificates, { ...byHeight, ...bytesCodec });
    this.blockIndex = new Repository(db, Bucket.blockIndex, {
      encodeKey: (h: Uint8Array) => h,
      encodeValue: u64,
      decodeValue: (b) => readU64(b),
    });
    this.txIndex = new Repository(db, Bucket.txIndex, {
      encodeKey: (id: Uint8Array) => id,
      encodeValue: (l: TxLocation) => {
        const b = new Uint8Array(12);
        const v = new DataView(b.buffer);
        v.setBigUint64(0, BigInt(l.height));
        v.setUint32(8, l.index);
        return b;
      },
      decodeValue: (b) => ({
        height: readU64(b),
        index: new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(8),
      }),
    });
    this.stateRepo = new Repository(db, Bucket.state, { encodeKey: utf8, ...bytesCodec });
    this.meta = new Repository(db, Bucket.meta, { encodeKey: utf8, ...bytesCodec });
    this.wal = new Repository(db, Bucket.consensusWal, { encodeKey: utf8, ...bytesCodec });
    this.txJournal = new TxJournal(db);
    this.leagHistory = new LeagHistory(db);
    this.currentHead = { height: 0, hash: genesisHash(genesis) };
  }

  /**
   * Opens the store in `dir`, then checks it against itself (storeCheck.ts):
   * a store that fails any check is closed again and the ChainStoreError
   * says why. Nothing is written to a directory that fails the checks.
   */
  static async open(dir: string, genesis: Genesis, options: OpenOptions = {}): Promise<ChainStore> {
    const found = await inspectDataDir(dir);
    if (found !== 'database' && options.create === false) {
      throw new ChainStoreError({ code: 'no-store', dir }, `there is no chain store in ${dir}`);
    }
    const db: Db = new Level<Uint8Array, Uint8Array>(dir, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      // Belt and braces with inspectDataDir: an existing database is never recreated.
      createIfMissing: found !== 'database',
    });
    try {
      await db.open();
    } catch (err) {
      throw openError(dir, err);
    }
    const store = new ChainStore(db, dir, genesis);
    try {
      await store.load();
      store.summary = await checkChainStore(store);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    return store;
  }

  private async load(): Promise<void> {
    const gHash = genesisHash(this.genesis);
    const storedGenesis = await this.meta.get('genesis');
    if (storedGenesis === undefined) {
      // Only a database with nothing in it is new; records without a genesis hash are someone else's, or damaged.
      for await (const _ of this.db.keys({ limit: 1 })) {
        throw new ChainStoreError(
          { code: 'genesis-missing' },
          'the database holds records but no genesis hash: it is not this chain’s store, or it is damaged',
        );
      }
      const g = genesisState(this.genesis);
      const ops: BatchOp[] = [this.meta.putOp('genesis', gHash), this.meta.putOp('digest', g.digest)];
      for (const [k, v] of g.changes) if (v !== null) ops.push(this.stateRepo.putOp(k, v));
      await this.db.batch(ops, { sync: true });
    } else if (!bytesEqual(storedGenesis, gHash)) {
      throw new ChainStoreError(
        { code: 'genesis-mismatch' },
        'the data directory belongs to another genesis',
      );
    }
    const changes = new Map<string, Uint8Array>();
    for await (const [k, v] of this.stateRepo.entries()) changes.set(decoder.decode(k), v);
    const digest = await this.meta.get('digest');
    if (digest === undefined) {
      throw new ChainStoreError({ code: 'state-corrupt', height: 0 }, 'the stored state root is missing');
    }
    this.state.applySync(changes, digest);
    const head = await this.meta.get('head');
    if (head !== undefined) this.currentHead = { height: readU64(head), hash: head.subarray(8) };
  }

  /** Rebuilds the digest from the loaded state and compares; slow, for startup checks and tests. */
  verifyState(): void {
    if (!bytesEqual(this.state.recomputeDigest(), this.state.digest)) {
      throw new ChainStoreError(
        { code: 'state-corrupt', height: this.head.height },
        'the stored state does not hash to its stored state root',
      );
    }
  }

  get head(): Head {
    return this.currentHead;
  }

  /**
   * Closes and opens the database again: after a write failed (a full disk)
   * LevelDB keeps answering with the same error until it is reopened. The
   * in-memory state only ever moves after a batch is written, so the head on
   * disk must be the one in memory; if it is not, the store is refused.
   */
  async reopen(): Promise<void> {
    await this.handle.current.close().catch(() => undefined);
    const db: Db = new Level<Uint8Array, Uint8Array>(this.handle.dir, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      createIfMissing: false,
    });
    await db.open();
    this.handle.current = db;
    const head = await this.meta.get('head');
    const height = head === undefined ? 0 : readU64(head);
    if (height !== this.currentHead.height) {
      throw new ChainStoreError(
        { code: 'head-inconsistent', height },
        `after reopening, the stored head is ${height} but ${this.currentHead.height} was committed`,
      );
    }
  }

  /** One small durable write: whether the store can write again (e.g. after space was freed). */
  async probeWrite(): Promise<void> {
    await this.meta.put('write-probe', u64(this.currentHead.height));
  }

  async commit(input: CommitInput): Promise<void> {
    const { block, hash, certificate, changes, stateRoot, txIds } = input;
    const height = block.header.height;
    const headBytes = new Uint8Array(40);
    headBytes.set(u64(height), 0);
    headBytes.set(hash, 8);
    const ops: BatchOp[] = [
      this.blocks.putOp(height, encodeBlock(block)),
      this.certificates.putOp(height, encode(certificateCodec, certificate)),
      this.blockIndex.putOp(hash, height),
      this.meta.putOp('head', headBytes),
      this.meta.putOp('digest', stateRoot),
    ];
    txIds.forEach((id, index) => {
      ops.push(this.txIndex.putOp(id, { height, index }));
    });
    for (const [k, v] of changes) ops.push(v === null ? this.stateRepo.delOp(k) : this.stateRepo.putOp(k, v));
    // Atomic, and fsync'd unless the caller says the block need not be durable yet (the middle of a
    // sync batch): a LEAG never votes above a block that a power cut could take back, so its
    // signing state is never ahead of its stored chain. See docs/decisions/0007.
    await this.db.batch(ops, { sync: input.durable });
    this.state.applySync(changes, stateRoot);
    this.currentHead = { height, hash };
  }

  async blockAt(height: number): Promise<Uint8Array | undefined> {
    return this.blocks.get(height);
  }

  async decodedBlockAt(height: number): Promise<Block | undefined> {
    const raw = await this.blocks.get(height);
    return raw === undefined ? undefined : decodeBlock(raw);
  }

  async certificateAt(height: number): Promise<CommitCertificate | undefined> {
    const raw = await this.certificates.get(height);
    return raw === undefined ? undefined : decode(certificateCodec, raw, 1024 * 1024);
  }

  async certificateBytesAt(height: number): Promise<Uint8Array | undefined> {
    return this.certificates.get(height);
  }

  async heightOf(hash: Uint8Array): Promise<number | undefined> {
    return this.blockIndex.get(hash);
  }

  async locateTx(id: Uint8Array): Promise<TxLocation | undefined> {
    return this.txIndex.get(id);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** LevelDB's open failures, in the store's terms; the cause is kept in the message. */
function openError(dir: string, err: unknown): ChainStoreError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'LEVEL_LOCKED') {
    return new ChainStoreError(
      { code: 'store-locked', dir },
      `${dir} is in use by another process (is the LEAG still running?)`,
    );
  }
  const detail = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new ChainStoreError({ code: 'store-unreadable', dir }, `LevelDB cannot open ${dir}: ${detail}`);
}
