import { toHex } from '@v2g/core';

/** Answers whether a public key belongs to a registered LEAG. The daemon keeps it current. */
export interface LeagDirectory {
  isLeag(publicKey: Uint8Array): boolean;
}

/** A plain in-memory directory the daemon fills from genesis and registration transactions. */
export class LeagAllowList implements LeagDirectory {
  private readonly keys = new Set<string>();

  constructor(publicKeys: Iterable<Uint8Array> = []) {
    for (const key of publicKeys) this.add(key);
  }

  add(publicKey: Uint8Array): void {
    this.keys.add(toHex(publicKey));
  }

  remove(publicKey: Uint8Array): void {
    this.keys.delete(toHex(publicKey));
  }

  isLeag(publicKey: Uint8Array): boolean {
    return this.keys.has(toHex(publicKey));
  }

  get size(): number {
    return this.keys.size;
  }
}
