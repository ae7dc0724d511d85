import { DigestAccumulator, EMPTY_DIGEST } from './stateDigest.ts';
import { bucketOf, type StateChanges, type StateStore } from './store.ts';

/** An in-memory state store: the working set the daemon keeps, and the store tests use. */
export class MemoryStateStore implements StateStore {
  private readonly buckets = new Map<string, Map<string, Uint8Array>>();
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
      b.set(key, value);
    }
    this.currentDigest = digest;
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
