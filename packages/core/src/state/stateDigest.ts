import { sha256, utf8 } from '../crypto/hash.ts';
import { encodeCbor } from '../encoding/cbor.ts';

/**
 * The state digest is an additive multiset hash: the sum modulo 2^256 of
 * H(key ‖ value) over all entries. It updates in O(changes) per block and
 * does not depend on write order, which is what divergence detection needs.
 * It is not a commitment an adversary cannot forge collisions for (a
 * generalized-birthday attack applies), and gives no per-key proofs; see
 * docs/decisions/0003-state-digest.md.
 */
const MOD = 1n << 256n;
export const EMPTY_DIGEST = new Uint8Array(32);

function entryHash(key: string, value: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(sha256(encodeCbor([utf8(key), value]))).toString('hex')}`);
}

function toBigint(d: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(d).toString('hex') || '0'}`);
}

function toBytes(n: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
}

export class DigestAccumulator {
  private acc: bigint;

  constructor(start: Uint8Array) {
    this.acc = toBigint(start);
  }

  add(key: string, value: Uint8Array): void {
    this.acc = (this.acc + entryHash(key, value)) % MOD;
  }

  remove(key: string, value: Uint8Array): void {
    this.acc = (this.acc - entryHash(key, value) + MOD) % MOD;
  }

  get digest(): Uint8Array {
    return toBytes(this.acc);
  }
}
