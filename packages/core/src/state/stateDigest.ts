import { hash } from 'node:crypto';

/**
 * The state digest is an additive multiset hash: the sum modulo 2^256 of
 * H(len(key) ‖ key ‖ value) over all entries (len as 4 bytes big-endian, key
 * in ASCII). It updates in O(changes) per block and does not depend on write
 * order, which is what divergence detection needs. It is not a commitment an
 * adversary cannot forge collisions for (a generalized-birthday attack
 * applies), and gives no per-key proofs; see docs/decisions/0003-state-digest.md.
 *
 * The sum is kept as eight 32-bit words (most significant first) with
 * explicit carries: integer arithmetic only, no allocation per entry.
 */
export const EMPTY_DIGEST = new Uint8Array(32);

const WORDS = 8;
const TWO32 = 0x1_0000_0000;

/** Reused for every entry: len ‖ key ‖ value is laid out here and hashed in one call. */
let scratch = Buffer.allocUnsafe(1024);

function entryHash(key: string, value: Uint8Array): Buffer {
  const size = 4 + key.length + value.length;
  if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, 2 * scratch.length));
  scratch.writeUInt32BE(key.length, 0);
  scratch.write(key, 4, 'latin1');
  scratch.set(value, 4 + key.length);
  return hash('sha256', scratch.subarray(0, size), 'buffer');
}

export class DigestAccumulator {
  private readonly words = new Uint32Array(WORDS);

  constructor(start: Uint8Array) {
    const view = new DataView(start.buffer, start.byteOffset, start.byteLength);
    for (let i = 0; i < WORDS; i++) this.words[i] = view.getUint32(i * 4);
  }

  add(key: string, value: Uint8Array): void {
    const h = entryHash(key, value);
    let carry = 0;
    for (let i = WORDS - 1; i >= 0; i--) {
      const sum = this.words[i]! + h.readUInt32BE(i * 4) + carry;
      this.words[i] = sum % TWO32;
      carry = sum >= TWO32 ? 1 : 0;
    }
  }

  remove(key: string, value: Uint8Array): void {
    const h = entryHash(key, value);
    let borrow = 0;
    for (let i = WORDS - 1; i >= 0; i--) {
      let diff = this.words[i]! - h.readUInt32BE(i * 4) - borrow;
      borrow = diff < 0 ? 1 : 0;
      if (diff < 0) diff += TWO32;
      this.words[i] = diff;
    }
  }

  get digest(): Uint8Array {
    const out = new Uint8Array(32);
    const view = new DataView(out.buffer);
    for (let i = 0; i < WORDS; i++) view.setUint32(i * 4, this.words[i]!);
    return out;
  }
}
