import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { fromHex, keyPairFromSeed, signMessage, toHex, verifyNoble, verifySignature } from '@v2g/core';
import fc from 'fast-check';

/** RFC 8032 §7.1, typed in from the RFC. */
const RFC8032 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST 1024',
    secret: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    public: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
    message: [
      '08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1',
      'e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d',
      '658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a',
      '7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e',
      '06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10',
      '3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1',
      '85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d',
      '502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270',
      '88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b',
      'eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba',
      'b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b',
      'e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7',
      '51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d',
      'cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df',
      'f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7',
      '984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4',
      '88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09',
      '43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f',
      'b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161',
      '0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d',
      'b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca',
      'c60c905c15fc910840b94c00a0b9d0',
    ].join(''),
    signature:
      '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
  },
  {
    name: 'TEST SHA(abc)',
    secret: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    public: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message:
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature:
      'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

function le(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
}
function toLe(n: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse());
}
function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Both paths, asserting they agree; returns the common verdict. */
function verifyBoth(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean {
  const noble = verifyNoble(sig, msg, key);
  const node = verifySignature(sig, msg, key);
  assert.equal(noble, node, `paths disagree on sig=${toHex(sig)} key=${toHex(key)} msg=${toHex(msg)}`);
  return noble;
}

/** The eight small-order points, and the x = 0 points with the sign bit set. */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '0100000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
].map(fromHex);
/** A point of order 8. */
const T8 = ed.Point.fromBytes(SMALL_ORDER[4]!);

/** Signs by hand with scalar `a` for public key bytes `A` (which need not be [a]B), nonce point R = [r]B + extra. */
function signWithScalar(
  a: bigint,
  A: Uint8Array,
  msg: Uint8Array,
  r: bigint,
  extra = ed.Point.ZERO,
): Uint8Array {
  const R = ed.Point.BASE.multiply(r).add(extra).toBytes();
  const k = le(sha512(concat(R, A, msg))) % L;
  return concat(R, toLe((r + k * a) % L));
}

const scalarArb = fc.bigInt({ min: 1n, max: L - 1n });
const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const msgArb = fc.uint8Array({ maxLength: 200 });

describe('ed25519', () => {
  for (const v of RFC8032) {
    test(`RFC 8032 §7.1 ${v.name}: key, signature and verification on both paths`, () => {
      const kp = keyPairFromSeed(fromHex(v.secret));
      const msg = fromHex(v.message);
      const sig = fromHex(v.signature);
      assert.equal(toHex(kp.publicKey), v.public);
      assert.equal(toHex(signMessage(kp.secretKey, msg)), v.signature);
      assert.equal(verifySignature(sig, msg, kp.publicKey), true);
      assert.equal(verifyNoble(sig, msg, kp.publicKey), true);
      const other = concat(msg, new Uint8Array([0]));
      assert.equal(verifyBoth(sig, other, kp.publicKey), false);
    });
  }

  test('TEST 1024 signs a 1023-byte message', () => {
    assert.equal(fromHex(RFC8032[3]!.message).length, 1023);
  });

  test('both paths accept honest signatures on random messages', () => {
    fc.assert(
      fc.property(seedArb, msgArb, (seed, msg) => {
        const kp = keyPairFromSeed(seed);
        assert.equal(verifyBoth(signMessage(kp.secretKey, msg), msg, kp.publicKey), true);
      }),
      { numRuns: 60 },
    );
  });

  test('both paths refuse a signature with any one bit flipped', () => {
    fc.assert(
      fc.property(seedArb, msgArb, fc.nat(511), (seed, msg, bit) => {
        const kp = keyPairFromSeed(seed);
        const sig = signMessage(kp.secretKey, msg);
        sig[bit >> 3]! ^= 1 << (bit & 7);
        assert.equal(verifyBoth(sig, msg, kp.publicKey), false);
      }),
      { numRuns: 60 },
    );
  });

  test('both paths refuse a signature under another or a random key', () => {
    fc.assert(
      fc.property(seedArb, msgArb, fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed, msg, key) => {
        const kp = keyPairFromSeed(seed);
        assert.equal(verifyBoth(signMessage(kp.secretKey, msg), msg, key), false);
      }),
      { numRuns: 60 },
    );
  });

  test('both paths refuse a non-canonical S (S + L), which verifies the same equation', () => {
    fc.assert(
      fc.property(seedArb, msgArb, (seed, msg) => {
        const kp = keyPairFromSeed(seed);
        const sig = signMessage(kp.secretKey, msg);
        const malleated = concat(sig.subarray(0, 32), toLe(le(sig.subarray(32)) + L));
        assert.equal(verifyBoth(malleated, msg, kp.publicKey), false);
      }),
      { numRuns: 30 },
    );
  });

  test('both paths refuse wrong lengths without throwing', () => {
    const kp = keyPairFromSeed(fromHex(RFC8032[0]!.secret));
    const msg = new Uint8Array([1, 2, 3]);
    const sig = signMessage(kp.secretKey, msg);
    for (const s of [sig.subarray(0, 63), concat(sig, new Uint8Array(1)), new Uint8Array(0)]) {
      assert.equal(verifyBoth(s, msg, kp.publicKey), false);
    }
    for (const k of [
      kp.publicKey.subarray(0, 31),
      concat(kp.publicKey, new Uint8Array(1)),
      new Uint8Array(0),
    ]) {
      assert.equal(verifyBoth(sig, msg, k), false);
    }
  });

  test('both paths refuse small-order public keys, whatever the signature', () => {
    const msg = new Uint8Array([7]);
    for (const A of SMALL_ORDER) {
      // With A of small order, [S]B = R + [k]A holds for S = 0 and R = the identity whenever [k]A is the identity.
      for (const R of [SMALL_ORDER[0]!, A]) {
        assert.equal(verifyBoth(concat(R, new Uint8Array(32)), msg, A), false);
      }
    }
  });

  test('both paths refuse non-canonical point encodings (y ≥ p) in the key and in R', () => {
    const msg = new Uint8Array([7]);
    const kp = keyPairFromSeed(fromHex(RFC8032[1]!.secret));
    const sig = signMessage(kp.secretKey, msg);
    for (let y = P; y < 2n ** 255n; y++) {
      for (const sign of [0, 0x80]) {
        const enc = toLe(y);
        enc[31]! |= sign;
        assert.equal(verifyBoth(sig, msg, enc), false);
        assert.equal(verifyBoth(concat(enc, sig.subarray(32)), msg, kp.publicKey), false);
      }
    }
  });

  test('both paths refuse keys and R that are not points of the curve', () => {
    const msg = new Uint8Array([7]);
    const kp = keyPairFromSeed(fromHex(RFC8032[2]!.secret));
    const sig = signMessage(kp.secretKey, msg);
    let offCurve = 0;
    for (let y = 2n; y < 40n; y++) {
      const enc = toLe(y);
      try {
        ed.Point.fromBytes(enc, true);
        continue;
      } catch {
        offCurve++;
      }
      assert.equal(verifyBoth(sig, msg, enc), false);
      assert.equal(verifyBoth(concat(enc, sig.subarray(32)), msg, kp.publicKey), false);
    }
    assert.ok(offCurve > 5);
  });

  test('both paths refuse keys and R with a small-order component (cofactorless equation on both)', () => {
    fc.assert(
      fc.property(scalarArb, scalarArb, msgArb, (a, r, msg) => {
        const mixedA = ed.Point.BASE.multiply(a).add(T8).toBytes();
        verifyBoth(signWithScalar(a, mixedA, msg, r), msg, mixedA);
        const A = ed.Point.BASE.multiply(a).toBytes();
        assert.equal(verifyBoth(signWithScalar(a, A, msg, r, T8), msg, A), false);
        // The same construction without torsion is a valid signature: the test signer is right.
        assert.equal(verifyBoth(signWithScalar(a, A, msg, r), msg, A), true);
      }),
      { numRuns: 25 },
    );
  });

  test('both paths agree on random signatures, keys and messages', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        msgArb,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (sig, msg, key) => {
          verifyBoth(sig, msg, key);
          // With S reduced below L, the curve arithmetic runs instead of the pre-checks deciding.
          verifyBoth(concat(sig.subarray(0, 32), toLe(le(sig.subarray(32)) % L)), msg, key);
        },
      ),
      { numRuns: 200 },
    );
  });
});
