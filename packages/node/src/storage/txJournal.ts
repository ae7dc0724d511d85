import { fromHex, toHex } from '@v2g/core';
import { Bucket } from './buckets.ts';
import { bytesCodec, type Db, Repository } from './repository.ts';

/**
 * Transactions this LEAG acknowledged to a client (202) and has not yet
 * seen committed or dropped. Written without fsync (a killed process keeps
 * the page cache; a power cut may lose the last ones, as a client would
 * lose an unacknowledged request). At start every entry goes back into the
 * mempool, or is reported dropped with the reason it no longer applies, so
 * no acknowledged transaction vanishes without a status.
 */
export class TxJournal {
  private readonly repo: Repository<Uint8Array, Uint8Array>;
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    this.repo = new Repository(db, Bucket.txJournal, { encodeKey: (id: Uint8Array) => id, ...bytesCodec });
  }

  add(idHex: string, bytes: Uint8Array): Promise<void> {
    return this.db.batch([this.repo.putOp(fromHex(idHex), bytes)], { sync: false });
  }

  forget(idsHex: readonly string[]): Promise<void> {
    if (idsHex.length === 0) return Promise.resolve();
    return this.db.batch(
      idsHex.map((id) => this.repo.delOp(fromHex(id))),
      { sync: false },
    );
  }

  async all(): Promise<{ idHex: string; bytes: Uint8Array }[]> {
    const out: { idHex: string; bytes: Uint8Array }[] = [];
    for await (const [key, bytes] of this.repo.entries()) out.push({ idHex: toHex(key), bytes });
    return out;
  }
}
