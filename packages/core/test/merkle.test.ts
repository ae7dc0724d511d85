import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { fromHex, MerkleTree, merkleRoot, toHex, verifyInclusion } from '@v2g/core';
import fc from 'fast-check';

/** The certificate-transparency test leaves and the roots of their first n, n = 0..8 (RFC 6962 test vectors). */
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** Certificate-transparency audit paths: leaf index (0-based), tree size, path. */
const CT_PATHS = [
  { index: 0, size: 1, path: [] },
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

// An independent, deliberately naive RFC 6962 §2.1 implementation, straight from the text.
const H = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
/** The largest power of two smaller than n (n > 1). */
const split = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function mth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return H();
  if (d.length === 1) return H(new Uint8Array([0]), d[0]!);
  const k = split(d.length);
  return H(new Uint8Array([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
/** PATH(m, D[n]) of §2.1.1, with the side each sibling sits on. */
function refPath(m: number, d: readonly Uint8Array[]): { hash: Uint8Array; side: 'L' | 'R' }[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  if (m < k) return [...refPath(m, d.slice(0, k)), { hash: mth(d.slice(k)), side: 'R' }];
  return [...refPath(m - k, d.slice(k)), { hash: mth(d.slice(0, k)), side: 'L' }];
}
/** The sides of PATH(m, D[n]) alone: the shape of the audit path. */
function sidesOf(m: number, n: number): string {
  if (n <= 1) return '';
  const k = split(n);
  return m < k ? `${sidesOf(m, k)}R` : `${sidesOf(m - k, n - k)}L`;
}

function leavesOf(n: number, salt = 0): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => H(new Uint8Array([salt, i & 0xff, i >> 8])));
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const c = Uint8Array.from(b);
  c[(bit >> 3) % c.length]! ^= 1 << (bit & 7);
  return c;
}

describe('RFC 6962 Merkle tree', () => {
  test('the empty tree and the first n CT test leaves have the published roots', () => {
    for (let n = 0; n <= 8; n++) {
      assert.equal(toHex(merkleRoot(CT_LEAVES.slice(0, n))), CT_ROOTS[n], `size ${n}`);
      assert.equal(toHex(mth(CT_LEAVES.slice(0, n))), CT_ROOTS[n], `reference, size ${n}`);
    }
  });

  test('audit paths of the CT test leaves are the published ones, and verify', () => {
    for (const { index, size, path } of CT_PATHS) {
      const tree = new MerkleTree(CT_LEAVES.slice(0, size));
      assert.deepEqual(tree.proof(index).map(toHex), path, `leaf ${index} of ${size}`);
      const root = fromHex(CT_ROOTS[size]!);
      assert.equal(verifyInclusion(CT_LEAVES[index]!, index, size, tree.proof(index), root), true);
    }
  });

  test('for every size 1..70, root and every audit path equal the reference, and every proof verifies', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = leavesOf(n);
      const tree = new MerkleTree(leaves);
      assert.deepEqual(tree.root, mth(leaves), `root of ${n}`);
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i);
        assert.deepEqual(
          proof,
          refPath(i, leaves).map((p) => p.hash),
          `path of ${i} in ${n}`,
        );
        assert.equal(verifyInclusion(leaves[i]!, i, n, proof, tree.root), true, `leaf ${i} of ${n}`);
      }
    }
  });

  test('a changed leaf, index or sibling, or a proof element added or dropped, fails', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = leavesOf(n, 1);
      const tree = new MerkleTree(leaves);
      const root = tree.root;
      for (let i = 0; i < n; i++) {
        const leaf = leaves[i]!;
        const proof = tree.proof(i);
        assert.equal(verifyInclusion(flipBit(leaf, i * 7), i, n, proof, root), false);
        if (n > 1) assert.equal(verifyInclusion(leaves[(i + 1) % n]!, i, n, proof, root), false);
        for (const j of [i - 1, i + 1, n - 1 - i, n, -1, i + 0.5]) {
          if (j === i) continue;
          assert.equal(verifyInclusion(leaf, j, n, proof, root), false, `index ${j} for ${i} of ${n}`);
        }
        proof.forEach((_, s) => {
          const tampered = proof.map((p, t) => (t === s ? flipBit(p, i + s) : p));
          assert.equal(verifyInclusion(leaf, i, n, tampered, root), false, `sibling ${s} of ${i} in ${n}`);
        });
        assert.equal(verifyInclusion(leaf, i, n, [...proof, root], root), false);
        if (proof.length > 0) assert.equal(verifyInclusion(leaf, i, n, proof.slice(0, -1), root), false);
        assert.equal(verifyInclusion(leaf, i, n, proof, flipBit(root, i)), false);
      }
    }
  });

  test('a changed size fails unless it leaves the audit path unchanged in shape; against that size’s own root it always fails', () => {
    // RFC 6962 proofs bind the size only through the path's shape: a verifier must
    // know the real size (a signed tree head) to rule out the rest.
    const roots = Array.from({ length: 72 }, (_, n) => merkleRoot(leavesOf(n, 2)));
    for (let n = 1; n <= 70; n++) {
      const leaves = leavesOf(n, 2);
      const tree = new MerkleTree(leaves);
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i);
        for (const m of [n - 1, n + 1, 2 * n, i, i + 1]) {
          if (m === n || m <= i) {
            if (m !== n) assert.equal(verifyInclusion(leaves[i]!, i, m, proof, tree.root), false);
            continue;
          }
          const sameShape = sidesOf(i, m) === sidesOf(i, n);
          assert.equal(
            verifyInclusion(leaves[i]!, i, m, proof, tree.root),
            sameShape,
            `leaf ${i}: ${n} as ${m}`,
          );
          if (m < roots.length) assert.equal(verifyInclusion(leaves[i]!, i, m, proof, roots[m]!), false);
        }
      }
    }
  });

  test('random trees: every leaf proof verifies and matches the reference path', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 40 }), (leaves) => {
        const tree = new MerkleTree(leaves);
        assert.deepEqual(tree.root, mth(leaves));
        leaves.forEach((leaf, i) => {
          assert.equal(verifyInclusion(leaf, i, leaves.length, tree.proof(i), tree.root), true);
        });
      }),
      { numRuns: 100 },
    );
  });

  test('asking for a proof outside the tree throws RangeError', () => {
    const tree = new MerkleTree(leavesOf(3));
    for (const i of [-1, 3, 1.5, Number.NaN]) assert.throws(() => tree.proof(i), RangeError);
    assert.throws(() => new MerkleTree([]).proof(0), RangeError);
  });
});
