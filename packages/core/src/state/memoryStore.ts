import { DigestAccumulator, EMPTY_DIGEST } from './stateDigest.ts';
import { bucketOf, type StateChanges, type StateStore } from './store.ts';

/** Values up to this size are shared between entries that hold the same bytes. */
const SHARED_VALUE_MAX_BYTES = 16;
const SHARED_VALUES_LIMIT = 4096;

/**
 * An in-memory state store: the working set the daemon keeps, and the store
 * tests use. Values are never mutated once stored: a tiny value (a height, a
 * zero, a counter) is kept once and shared by every entry that holds the
 * same bytes, since a separate Uint8Array costs about 200 bytes of heap, and
 * the spent-outpoint entries, two per input kept for SPENT_RETENTION_BLOCKS,
 * are mostly such values.
 */
export class MemoryStateStore implements StateStore {
  private readonly buckets = new Map<string, Map<string, Uint8Array>>();
  private readonly shared = new Map<string, Uint8Array>();
  private currentDigest: Uint8Array = EMPTY_DIGEST;

  get digest(): Uint8Array {
    return this.currentDigest;
  }

  get(key: string): Uint8Array | undefined {
    return this.buckets.get(bucketOf(key))?.get(key);
  }

  scan(bucket: string): [string, Uint8Array][] {
    const b = this.buckets.get(bucket);
    if (!b) return [];
    return [...b.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  }

  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }

  /** Every entry, sorted: for snapshots and byte-for-byte comparisons. */
  entries(): [string, Uint8Array][] {
    const all: [string, Uint8Array][] = [];
    for (const b of this.buckets.values()) all.push(...b.entries());
    return all.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  }

  /** Applies changes synchronously; the daemon calls this after its LevelDB batch is written. */
  applySync(changes: StateChanges, digest: Uint8Array): void {
    for (const [key, value] of changes) {
      const name = bucketOf(key);
      let b = this.buckets.get(name);
      if (value === null) {
        b?.delete(key);
        if (b && b.size === 0) this.buckets.delete(name);
        continue;
      }
      if (!b) {
        b = new Map();
        this.buckets.set(name, b);
      }
      b.set(key, value.length <= SHARED_VALUE_MAX_BYTES ? this.share(value) : value);
    }
    this.currentDigest = digest;
  }

  private share(value: Uint8Array): Uint8Array {
    const id = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
    const known = this.shared.get(id);
    if (known) return known;
    // Bounded: forgetting a shared value only means the next entry holding it keeps its own copy.
    if (this.shared.size >= SHARED_VALUES_LIMIT) this.shared.clear();
    // A view into a larger buffer (a LevelDB read, an encoder's chunk) is copied, so it pins nothing.
    const own =
      value.byteOffset === 0 && value.buffer.byteLength === value.byteLength ? value : value.slice();
    this.shared.set(id, own);
    return own;
  }

  async commit(changes: StateChanges, digest: Uint8Array): Promise<void> {
    this.applySync(changes, digest);
  }

  /** Rebuilds the digest from scratch; used to check a loaded store. */
  recomputeDigest(): Uint8Array {
    const acc = new DigestAccumulator(EMPTY_DIGEST);
    for (const [k, v] of this.entries()) acc.add(k, v);
    return acc.digest;
  }
}
