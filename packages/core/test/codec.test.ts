import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  blockCodec,
  blockHeaderCodec,
  type Codec,
  certificateCodec,
  DecodeError,
  decode,
  decodeBlock,
  decodeGenesis,
  decodeTx,
  encode,
  encodeBlock,
  encodeGenesis,
  encodeTx,
  GenesisError,
  genesisCodec,
  genesisFromJson,
  MAX_BLOCK_BYTES,
  MAX_TX_BYTES,
  MAX_TX_OUTPUTS,
  signedVoteCodec,
  txCodec,
} from '@v2g/core';
import fc from 'fast-check';
import {
  blockArb,
  bodyArbs,
  certificateArb,
  genesisArb,
  headerArb,
  signedVoteArb,
  TX_KINDS,
  txArb,
} from './arbitraries.ts';
import { nodes, type Raw, toRaw, type Width, writeRaw } from './rawCbor.ts';

/** One encoded type: its codec, its size limit and its public decode/encode functions. */
interface Spec<T> {
  readonly name: string;
  readonly arb: fc.Arbitrary<T>;
  readonly codec: Codec<T>;
  readonly encode: (v: T) => Uint8Array;
  readonly decode: (b: Uint8Array) => T;
  readonly maxSize: number;
  readonly fromJson: (j: unknown) => T;
  readonly runs: number;
  /** A decoder that also validates may refuse a well-encoded value with its own typed error. */
  readonly validationError?: new (
    ...args: never[]
  ) => Error;
}

function spec<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  codec: Codec<T>,
  maxSize: number,
  over: Partial<Spec<T>> = {},
): Spec<T> {
  return {
    name,
    arb,
    codec,
    maxSize,
    encode: (v) => encode(codec, v),
    decode: (b) => decode(codec, b, maxSize),
    fromJson: (j) => codec.fromJson(j, '$'),
    runs: 100,
    ...over,
  };
}

const GENESIS_MAX = 16 * 1024 * 1024;
const specs: Spec<unknown>[] = [
  spec('transaction', txArb(), txCodec, MAX_TX_BYTES, { encode: encodeTx, decode: decodeTx }),
  spec('block', blockArb, blockCodec, MAX_BLOCK_BYTES, {
    encode: encodeBlock,
    decode: decodeBlock,
    runs: 40,
  }),
  spec('block header', headerArb, blockHeaderCodec, 4096),
  spec('commit certificate', certificateArb, certificateCodec, 64 * 1024),
  spec('signed vote', signedVoteArb, signedVoteCodec, 4096),
  spec('genesis', genesisArb, genesisCodec, GENESIS_MAX, {
    encode: encodeGenesis,
    decode: decodeGenesis,
    fromJson: genesisFromJson,
    runs: 50,
    validationError: GenesisError,
  }),
] as Spec<unknown>[];

/** Asserts that `f` throws a DecodeError with `code`, and nothing else. */
function throwsDecode(f: () => unknown, code: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** The decoder either refuses the input with a DecodeError or returns a value that re-encodes to the same bytes. */
function decodesCanonicallyOrRefuses<T>(s: Spec<T>, bytes: Uint8Array): void {
  let value: T;
  try {
    value = s.decode(bytes);
  } catch (e) {
    const typed =
      e instanceof DecodeError || (s.validationError !== undefined && e instanceof s.validationError);
    assert.ok(typed, `untyped throw: ${String(e)}`);
    return;
  }
  assert.deepEqual(new Uint8Array(s.encode(value)), bytes);
}

function rawOf<T>(s: Spec<T>, value: T): Raw {
  return toRaw(s.codec.toCbor(value));
}

const wider: Record<Width, Width | null> = { 0: 1, 1: 2, 2: 4, 4: 8, 8: null };

describe('canonical encoding', () => {
  for (const kind of TX_KINDS) {
    test(`a ${kind} transaction round-trips through CBOR and JSON`, () => {
      fc.assert(
        fc.property(txArb(bodyArbs[kind]), (tx) => {
          const bytes = encodeTx(tx);
          assert.deepEqual(decodeTx(bytes), tx);
          assert.deepEqual(txCodec.fromJson(JSON.parse(JSON.stringify(txCodec.toJson(tx))), '$'), tx);
        }),
        { numRuns: 30 },
      );
    });
  }

  for (const s of specs) {
    describe(s.name, () => {
      test('round-trips through CBOR, and re-encodes to the same bytes', () => {
        fc.assert(
          fc.property(s.arb, (v) => {
            const bytes = s.encode(v);
            const back = s.decode(bytes);
            assert.deepEqual(back, v);
            assert.deepEqual(s.encode(back), bytes);
          }),
          { numRuns: s.runs },
        );
      });

      test('round-trips through its JSON form', () => {
        fc.assert(
          fc.property(s.arb, (v) => {
            const json = JSON.parse(JSON.stringify(s.codec.toJson(v)));
            assert.deepEqual(s.fromJson(json), v);
          }),
          { numRuns: s.runs },
        );
      });

      test('refuses an integer or length encoded in more bytes than needed', () => {
        fc.assert(
          fc.property(s.arb, fc.nat(), (v, pick) => {
            const widenable = nodes(rawOf(s, v)).filter(({ node }) => {
              if (node.t === 'uint') return node.v < 2 ** 32;
              return node.t === 'bytes' || node.t === 'array';
            });
            const chosen = widenable[pick % widenable.length]!;
            const n = chosen.node as Extract<Raw, { t: 'uint' | 'bytes' | 'array' }>;
            const size = n.t === 'uint' ? n.v : n.t === 'bytes' ? n.v.length : n.items.length;
            const minimal: Width = size < 24 ? 0 : size < 256 ? 1 : size < 65_536 ? 2 : 4;
            const bytes = writeRaw(chosen.replace({ ...n, width: wider[minimal]! }));
            throwsDecode(() => s.decode(bytes), 'non-canonical');
          }),
          { numRuns: s.runs },
        );
      });

      test('refuses a float where an integer belongs', () => {
        fc.assert(
          fc.property(s.arb, fc.nat(), (v, pick) => {
            const ints = nodes(rawOf(s, v)).filter(({ node }) => node.t === 'uint');
            const chosen = ints[pick % ints.length]!;
            const value = (chosen.node as { v: number }).v;
            throwsDecode(
              () => s.decode(writeRaw(chosen.replace({ t: 'float64', v: value }))),
              'non-canonical',
            );
          }),
          { numRuns: s.runs },
        );
      });

      test('refuses indefinite-length arrays', () => {
        fc.assert(
          fc.property(s.arb, fc.nat(), (v, pick) => {
            const arrays = nodes(rawOf(s, v)).filter(({ node }) => node.t === 'array');
            const chosen = arrays[pick % arrays.length]!;
            const bytes = writeRaw(
              chosen.replace({ ...(chosen.node as Extract<Raw, { t: 'array' }>), indefinite: true }),
            );
            throwsDecode(() => s.decode(bytes), 'non-canonical');
          }),
          { numRuns: s.runs },
        );
      });

      test('refuses a map where a record belongs', () => {
        fc.assert(
          fc.property(s.arb, (v) => {
            const root = rawOf(s, v) as Extract<Raw, { t: 'array' }>;
            const asMap: Raw = { t: 'map', entries: [[{ t: 'text', v: '0' }, root.items[0]!]] };
            throwsDecode(() => s.decode(writeRaw(asMap)), 'invalid-field');
            throwsDecode(() => s.decode(writeRaw({ t: 'map', entries: [] })), 'invalid-field');
          }),
          { numRuns: 10 },
        );
      });

      test('refuses a record with a field missing or a field too many', () => {
        fc.assert(
          fc.property(s.arb, (v) => {
            const root = rawOf(s, v) as Extract<Raw, { t: 'array' }>;
            const fewer: Raw = { ...root, items: root.items.slice(0, -1) };
            const more: Raw = { ...root, items: [...root.items, { t: 'simple', v: null }] };
            throwsDecode(() => s.decode(writeRaw(fewer)), 'invalid-field');
            throwsDecode(() => s.decode(writeRaw(more)), 'invalid-field');
          }),
          { numRuns: 20 },
        );
      });

      test('refuses trailing bytes', () => {
        fc.assert(
          fc.property(s.arb, fc.uint8Array({ minLength: 1, maxLength: 8 }), (v, extra) => {
            const bytes = s.encode(v);
            const padded = new Uint8Array([...bytes, ...extra]);
            throwsDecode(() => s.decode(padded), 'trailing-bytes');
          }),
          { numRuns: s.runs },
        );
      });

      test('refuses every truncation of a valid encoding', () => {
        fc.assert(
          fc.property(s.arb, fc.nat(), (v, cut) => {
            const bytes = s.encode(v);
            throwsDecode(() => s.decode(bytes.subarray(0, cut % bytes.length)), 'malformed');
          }),
          { numRuns: s.runs },
        );
      });

      test('refuses input over its size limit before parsing it', () => {
        throwsDecode(() => s.decode(new Uint8Array(s.maxSize + 1)), 'too-large');
      });

      test('fuzz: random bytes are refused with a DecodeError or decode canonically', () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesCanonicallyOrRefuses(s, bytes)),
          { numRuns: 300 },
        );
      });

      test('fuzz: random JSON, and valid JSON with one value replaced, is refused with a DecodeError or reads back', () => {
        const check = (json: unknown): void => {
          let value: unknown;
          try {
            value = s.fromJson(json);
          } catch (e) {
            const typed =
              e instanceof DecodeError || (s.validationError !== undefined && e instanceof s.validationError);
            assert.ok(typed, `untyped throw: ${String(e)}`);
            return;
          }
          assert.deepEqual(s.fromJson(JSON.parse(JSON.stringify(s.codec.toJson(value)))), value);
        };
        fc.assert(
          fc.property(
            fc.jsonValue({ maxDepth: 4 }),
            fc.nat(),
            fc.jsonValue({ maxDepth: 2 }),
            s.arb,
            (random, pick, replacement, v) => {
              check(random);
              const json = JSON.parse(JSON.stringify(s.codec.toJson(v)));
              const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
              const walk = (x: unknown): void => {
                if (Array.isArray(x))
                  x.forEach((item, i) => {
                    slots.push({ parent: x, key: i });
                    walk(item);
                  });
                else if (x !== null && typeof x === 'object') {
                  for (const [k, item] of Object.entries(x)) {
                    slots.push({ parent: x as Record<string, unknown>, key: k });
                    walk(item);
                  }
                }
              };
              walk(json);
              const slot = slots[pick % slots.length]!;
              (slot.parent as Record<string | number, unknown>)[slot.key] = replacement;
              check(json);
            },
          ),
          { numRuns: s.runs * 2 },
        );
      });

      test('fuzz: mutated valid encodings are refused with a DecodeError or decode canonically', () => {
        const mutation = fc.oneof(
          fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
          fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.nat(255) }),
          fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.nat(255) }),
          fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
        );
        fc.assert(
          fc.property(s.arb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (v, muts) => {
            const bytes = [...s.encode(v)];
            for (const m of muts) {
              const at = m.at % (bytes.length + 1);
              if (m.op === 'flip' && at < bytes.length) bytes[at]! ^= 1 << m.bit;
              if (m.op === 'set' && at < bytes.length) bytes[at] = m.byte;
              if (m.op === 'insert') bytes.splice(at, 0, m.byte);
              if (m.op === 'delete') bytes.splice(at, 1);
            }
            decodesCanonicallyOrRefuses(s, new Uint8Array(bytes));
          }),
          { numRuns: s.runs * 2 },
        );
      });
    });
  }
});

describe('transaction decoding field checks', () => {
  const tx = fc.sample(txArb(bodyArbs.transfer), { numRuns: 1, seed: 7 })[0]!;
  const root = toRaw(txCodec.toCbor(tx)) as Extract<Raw, { t: 'array' }>;
  const withField = (i: number, r: Raw) =>
    writeRaw({ ...root, items: root.items.map((old, j) => (j === i ? r : old)) });
  const LOCK_TIME = 4;

  test('refuses a negative integer in an unsigned field', () => {
    throwsDecode(
      () => decodeTx(withField(LOCK_TIME, { t: 'verbatim', v: new Uint8Array([0x20]) })),
      'invalid-field',
    );
  });

  test('refuses an integer beyond 2^53 in an unsigned field', () => {
    const big = new Uint8Array([0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0]);
    throwsDecode(() => decodeTx(withField(LOCK_TIME, { t: 'verbatim', v: big })), 'invalid-field');
  });

  test('refuses a tagged item, undefined, NaN and infinity', () => {
    for (const v of [[0xc1, 0x00], [0xf7], [0xf9, 0x7e, 0x00], [0xf9, 0x7c, 0x00]]) {
      throwsDecode(
        () => decodeTx(withField(LOCK_TIME, { t: 'verbatim', v: new Uint8Array(v) })),
        'malformed',
      );
    }
  });

  test('refuses a version other than 1 and an unknown body kind', () => {
    throwsDecode(() => decodeTx(withField(0, { t: 'uint', v: 2 })), 'invalid-field');
    throwsDecode(
      () => decodeTx(withField(5, { t: 'array', items: [{ t: 'text', v: 'mint' }] })),
      'invalid-field',
    );
  });

  test('refuses a body with a field too many for its kind', () => {
    const body: Raw = {
      t: 'array',
      items: [
        { t: 'text', v: 'transfer' },
        { t: 'uint', v: 0 },
      ],
    };
    throwsDecode(() => decodeTx(withField(5, body)), 'invalid-field');
    throwsDecode(() => decodeTx(withField(5, { t: 'array', items: [] })), 'invalid-field');
  });

  test('refuses a key of the wrong length and a chain id outside its alphabet', () => {
    const badInput: Raw = {
      t: 'array',
      items: [
        {
          t: 'array',
          items: [
            { t: 'bytes', v: new Uint8Array(31) },
            { t: 'uint', v: 0 },
          ],
        },
      ],
    };
    throwsDecode(() => decodeTx(withField(2, badInput)), 'invalid-field');
    throwsDecode(() => decodeTx(withField(1, { t: 'text', v: 'V2G Main' })), 'invalid-field');
  });

  test('refuses more outputs than the limit', () => {
    const output: Raw = {
      t: 'array',
      items: [
        { t: 'bytes', v: new Uint8Array(20) },
        { t: 'uint', v: 1 },
      ],
    };
    const outputs = (n: number): Raw => ({ t: 'array', items: Array.from({ length: n }, () => output) });
    assert.equal(decodeTx(withField(3, outputs(MAX_TX_OUTPUTS))).outputs.length, MAX_TX_OUTPUTS);
    throwsDecode(() => decodeTx(withField(3, outputs(MAX_TX_OUTPUTS + 1))), 'invalid-field');
  });

  test('refuses deeply nested input without overflowing the stack', () => {
    const deep = new Uint8Array(MAX_TX_BYTES).fill(0x81);
    throwsDecode(() => decodeTx(deep), 'malformed');
  });

  test('JSON form refuses unknown and missing fields, and uppercase hex', () => {
    const json = txCodec.toJson(tx) as Record<string, unknown>;
    throwsDecode(() => txCodec.fromJson({ ...json, fee: 1 }, '$'), 'invalid-field');
    const { lockTime: _dropped, ...missing } = json;
    throwsDecode(() => txCodec.fromJson(missing, '$'), 'invalid-field');
    const inputs = [{ txId: 'AB'.repeat(32), index: 0 }];
    throwsDecode(() => txCodec.fromJson({ ...json, inputs }, '$'), 'invalid-field');
  });
});
