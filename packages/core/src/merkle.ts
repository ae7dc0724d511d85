import { sha256 } from './crypto/hash.ts';
import { bytesEqual } from './encoding/cbor.ts';

/**
 * RFC 6962 §2.1 Merkle tree: leaf = H(0x00 ‖ d), node = H(0x01 ‖ l ‖ r),
 * MTH({}) = H(). Levels are built bottom-up, carrying a lone last node up
 * unchanged, which yields exactly the RFC's largest-power-of-two split and
 * never duplicates a leaf.
 */
const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF, data);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE, left, right);
}

export class MerkleTree {
  /** levels[0] are the leaf hashes, the last level holds the root. */
  private readonly levels: Uint8Array[][];

  constructor(leaves: readonly Uint8Array[]) {
    let level = leaves.map(leafHash);
    this.levels = [level];
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      this.levels.push(next);
      level = next;
    }
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  get root(): Uint8Array {
    if (this.size === 0) return sha256();
    return this.levels[this.levels.length - 1]![0]!;
  }

  /** The audit path PATH(m, D[n]) of RFC 6962 §2.1.1, leaf side first. */
  proof(index: number): Uint8Array[] {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`leaf index ${index} outside a tree of ${this.size}`);
    }
    const path: Uint8Array[] = [];
    let i = index;
    for (let l = 0; l < this.levels.length - 1; l++) {
      const level = this.levels[l]!;
      const sibling = i ^ 1;
      if (sibling < level.length) path.push(level[sibling]!);
      i >>= 1;
    }
    return path;
  }
}

export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  return new MerkleTree(leaves).root;
}

/** RFC 9162 §2.1.3.2: verifies that `leaf` sits at `index` in a tree of `size` leaves with `root`. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}
