import type { Codec } from '../encoding/codec.ts';
import { decodeStored, encode } from '../encoding/codec.ts';
import { DigestAccumulator } from './stateDigest.ts';
import { bucketOf, type StateChanges, type StateReader } from './store.ts';

const MAX_VALUE_BYTES = 1024 * 1024;

/**
 * A copy-on-write overlay over a state reader: block execution reads through
 * it and writes into it; `changes()` is what the store commits. Nested views
 * give per-transaction rollback (a failed transaction leaves no writes).
 */
export class StateView implements StateReader {
  private readonly writes = new Map<string, Uint8Array | null>();
  private readonly base: StateReader;

  constructor(base: StateReader) {
    this.base = base;
  }

  get digest(): Uint8Array {
    return this.computeDigest();
  }

  get(key: string): Uint8Array | undefined {
    const w = this.writes.get(key);
    if (w === null) return undefined;
    return w ?? this.base.get(key);
  }

  scan(bucket: string): [string, Uint8Array][] {
    const merged = new Map(this.base.scan(bucket));
    for (const [k, v] of this.writes) {
      if (bucketOf(k) !== bucket) continue;
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    return [...merged.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  read<T>(codec: Codec<T>, key: string): T | undefined {
    const raw = this.get(key);
    // Values in state were written by `write` (canonical encoding), so they decode without re-encoding.
    return raw === undefined ? undefined : decodeStored(codec, raw, MAX_VALUE_BYTES);
  }

  write<T>(codec: Codec<T>, key: string, value: T): void {
    this.writes.set(key, encode(codec, value));
  }

  delete(key: string): void {
    this.writes.set(key, null);
  }

  /** A child view whose writes reach this one only on `merge()`. */
  child(): StateView {
    return new StateView(this);
  }

  merge(child: StateView): void {
    for (const [k, v] of child.writes) this.writes.set(k, v);
  }

  /** Net changes against the base: writes that restore the base value are dropped. */
  changes(): StateChanges {
    const out = new Map<string, Uint8Array | null>();
    for (const [k, v] of this.writes) {
      const before = this.base.get(k);
      if (v === null ? before === undefined : before !== undefined && sameBytes(before, v)) continue;
      out.set(k, v);
    }
    return out;
  }

  private computeDigest(): Uint8Array {
    return this.finish().digest;
  }

  /** The net changes and the digest of the state they lead to, in one pass. */
  finish(): { changes: StateChanges; digest: Uint8Array } {
    const acc = new DigestAccumulator(this.base.digest);
    const changes = new Map<string, Uint8Array | null>();
    for (const [k, v] of this.writes) {
      const before = this.base.get(k);
      if (v === null ? before === undefined : before !== undefined && sameBytes(before, v)) continue;
      changes.set(k, v);
      if (before !== undefined) acc.remove(k, before);
      if (v !== null) acc.add(k, v);
    }
    return { changes, digest: acc.digest };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
