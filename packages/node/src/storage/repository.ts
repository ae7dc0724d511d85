import type { Level } from 'level';
import type { Bucket } from './buckets.ts';

export type Db = Level<Uint8Array, Uint8Array>;

export type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

/**
 * A typed view of one bucket. Repositories only build keys and batch
 * operations; whoever commits a block gathers the operations of every
 * repository into one atomic LevelDB batch.
 */
export class Repository<K, V> {
  private readonly db: Db;
  private readonly bucket: Bucket;
  private readonly encodeKey: (k: K) => Uint8Array;
  private readonly encodeValue: (v: V) => Uint8Array;
  private readonly decodeValue: (b: Uint8Array) => V;

  constructor(
    db: Db,
    bucket: Bucket,
    codec: {
      encodeKey: (k: K) => Uint8Array;
      encodeValue: (v: V) => Uint8Array;
      decodeValue: (b: Uint8Array) => V;
    },
  ) {
    this.db = db;
    this.bucket = bucket;
    this.encodeKey = codec.encodeKey;
    this.encodeValue = codec.encodeValue;
    this.decodeValue = codec.decodeValue;
  }

  key(k: K): Uint8Array {
    const raw = this.encodeKey(k);
    const out = new Uint8Array(raw.length + 1);
    out[0] = this.bucket;
    out.set(raw, 1);
    return out;
  }

  async get(k: K): Promise<V | undefined> {
    const v = await this.db.get(this.key(k));
    return v === undefined ? undefined : this.decodeValue(v);
  }

  putOp(k: K, v: V): BatchOp {
    return { type: 'put', key: this.key(k), value: this.encodeValue(v) };
  }

  delOp(k: K): BatchOp {
    return { type: 'del', key: this.key(k) };
  }

  async put(k: K, v: V): Promise<void> {
    await this.db.put(this.key(k), this.encodeValue(v), { sync: true });
  }

  async delete(k: K): Promise<void> {
    await this.db.del(this.key(k));
  }

  /** The values with keys from `from` to `to` (both included), in key order, at most `limit`. */
  async between(from: K, to: K, limit: number): Promise<V[]> {
    const out: V[] = [];
    for await (const v of this.db.values({ gte: this.key(from), lte: this.key(to), limit })) {
      out.push(this.decodeValue(v));
    }
    return out;
  }

  /** Every raw entry of the bucket, in key order. */
  async *entries(): AsyncGenerator<[Uint8Array, V]> {
    const gte = new Uint8Array([this.bucket]);
    const lt = new Uint8Array([this.bucket + 1]);
    for await (const [k, v] of this.db.iterator({ gte, lt })) {
      yield [k.subarray(1), this.decodeValue(v)];
    }
  }
}

export function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

export function readU64(b: Uint8Array, offset = 0): number {
  return Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(offset));
}

export const bytesCodec = {
  encodeValue: (v: Uint8Array): Uint8Array => v,
  decodeValue: (b: Uint8Array): Uint8Array => new Uint8Array(b),
};
