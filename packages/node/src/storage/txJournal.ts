import type { AdmissionCode } from '@v2g/core';
import { fromHex, toHex, utf8 } from '@v2g/core';
import { Bucket } from './buckets.ts';
import { bytesCodec, type Db, Repository } from './repository.ts';

/** Why an acknowledged transaction was dropped, and when (ms since the epoch, for pruning). */
export interface DroppedRecord {
  readonly code: AdmissionCode;
  readonly reason: string;
  readonly at: number;
}

/** How many dropped transactions are remembered on disk (as many as the mempool keeps in memory). */
export const MAX_DROPPED_RECORDS = 100_000;

/**
 * Transactions this LEAG acknowledged to a client (202) and has not yet
 * seen committed or dropped, and those it dropped with the reason. Written
 * without fsync (a killed process keeps the page cache; a power cut may
 * lose the last ones, as a client would lose an unacknowledged request). At
 * start every pending entry goes back into the mempool, or is reported
 * dropped with the reason it no longer applies, and every dropped one is
 * reported dropped again: no acknowledged transaction vanishes without a
 * status, also across restarts.
 */
export class TxJournal {
  private readonly repo: Repository<Uint8Array, Uint8Array>;
  private readonly droppedRepo: Repository<Uint8Array, DroppedRecord>;
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    this.repo = new Repository(db, Bucket.txJournal, { encodeKey: (id: Uint8Array) => id, ...bytesCodec });
    this.droppedRepo = new Repository(db, Bucket.droppedTxs, {
      encodeKey: (id: Uint8Array) => id,
      encodeValue: (r: DroppedRecord) => utf8(JSON.stringify(r)),
      decodeValue: (b) => JSON.parse(Buffer.from(b).toString('utf8')) as DroppedRecord,
    });
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

  /** The transaction left the mempool uncommitted: its pending entry becomes a dropped record. */
  dropped(idHex: string, code: AdmissionCode, reason: string, at = Date.now()): Promise<void> {
    const id = fromHex(idHex);
    return this.db.batch([this.repo.delOp(id), this.droppedRepo.putOp(id, { code, reason, at })], {
      sync: false,
    });
  }

  async all(): Promise<{ idHex: string; bytes: Uint8Array }[]> {
    const out: { idHex: string; bytes: Uint8Array }[] = [];
    for await (const [key, bytes] of this.repo.entries()) out.push({ idHex: toHex(key), bytes });
    return out;
  }

  /**
   * Every dropped record, oldest first; beyond `max` the oldest are deleted
   * (the mempool remembers as many).
   */
  async allDropped(max = MAX_DROPPED_RECORDS): Promise<({ idHex: string } & DroppedRecord)[]> {
    const out: ({ idHex: string } & DroppedRecord)[] = [];
    for await (const [key, r] of this.droppedRepo.entries()) out.push({ idHex: toHex(key), ...r });
    out.sort((a, b) => a.at - b.at);
    const excess = out.length - max;
    if (excess > 0) {
      await this.db.batch(
        out.slice(0, excess).map((r) => this.droppedRepo.delOp(fromHex(r.idHex))),
        { sync: false },
      );
      return out.slice(excess);
    }
    return out;
  }
}
