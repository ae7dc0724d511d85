/**
 * State is a key-value map of canonical CBOR values. Keys are
 * `<bucket>/<leaf>`: the bucket is everything up to the last '/', and
 * `scan(bucket)` lists one bucket's entries in key order. The daemon backs
 * this with LevelDB (keeping the working set in memory); tests use memory.
 */
export interface StateReader {
  get(key: string): Uint8Array | undefined;
  /** Entries of one bucket (a prefix ending in '/'), sorted by key. */
  scan(bucket: string): [string, Uint8Array][];
  /** Digest of the whole state (see stateDigest.ts). */
  readonly digest: Uint8Array;
}

/** Writes of one block: a value, or null to delete. */
export type StateChanges = ReadonlyMap<string, Uint8Array | null>;

export interface StateStore extends StateReader {
  /** Applies `changes` as one atomic unit and moves the digest to `digest`. */
  commit(changes: StateChanges, digest: Uint8Array): Promise<void>;
}

export function bucketOf(key: string): string {
  const i = key.lastIndexOf('/');
  if (i < 0) throw new RangeError(`state key without bucket: ${key}`);
  return key.slice(0, i + 1);
}
