import { type Cbor, decodeCbor, decodeStoredCbor, encodeCbor } from './cbor.ts';
import { DecodeError } from './decodeError.ts';

/**
 * A codec maps a typed value to its canonical CBOR shape and back, checking
 * every field on the way in. Structures become arrays in the order their
 * fields are declared, and tagged unions become `[tag, ...fields]`.
 */
export interface Codec<T> {
  toCbor(value: T): Cbor;
  fromCbor(input: unknown, path: string): T;
  /** JSON form for humans and the HTTP API: bytes as lowercase hex, records as objects. */
  toJson(value: T): Json;
  fromJson(input: unknown, path: string): T;
}

export type Json = number | string | boolean | null | readonly Json[] | { readonly [k: string]: Json };

function invalid(path: string, reason: string): DecodeError {
  return new DecodeError({ code: 'invalid-field', path, reason });
}

export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  return encodeCbor(codec.toCbor(value));
}

export function decode<T>(codec: Codec<T>, bytes: Uint8Array, maxSize: number): T {
  return codec.fromCbor(decodeCbor(bytes, maxSize), '$');
}

/** Decodes a value this node stored (see `decodeStoredCbor`): every field is still checked. */
export function decodeStored<T>(codec: Codec<T>, bytes: Uint8Array, maxSize: number): T {
  return codec.fromCbor(decodeStoredCbor(bytes, maxSize), '$');
}

/** A non-negative safe integer (amounts, heights, prices, ppm). */
export const uint: Codec<number> = {
  toCbor: (v) => {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a uint: ${v}`);
    return v;
  },
  fromCbor: (c, path) => {
    if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0) throw invalid(path, 'expected uint');
    return c;
  },
  toJson: (v) => v,
  // JSON can spell zero as -0; it is the same amount, and reads back as 0 (fuzzing found -0 surviving a round trip).
  fromJson: (c, path) => uint.fromCbor(c, path) + 0,
};

export const bool: Codec<boolean> = {
  toCbor: (v) => v,
  fromCbor: (c, path) => {
    if (typeof c !== 'boolean') throw invalid(path, 'expected bool');
    return c;
  },
  toJson: (v) => v,
  fromJson: (c, path) => bool.fromCbor(c, path),
};

/** A byte string of exactly `length` bytes, or at most `maxLength` when length is null. */
export function bytes(length: number | null, maxLength = length ?? 0): Codec<Uint8Array> {
  const check = (c: Uint8Array, path: string): Uint8Array => {
    if (length !== null && c.length !== length) throw invalid(path, `expected ${length} bytes`);
    if (length === null && c.length > maxLength) throw invalid(path, `longer than ${maxLength} bytes`);
    return c;
  };
  return {
    toCbor: (v) => v,
    fromCbor: (c, path) => {
      if (!(c instanceof Uint8Array)) throw invalid(path, 'expected bytes');
      return check(c, path);
    },
    toJson: (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex'),
    fromJson: (c, path) => {
      if (typeof c !== 'string' || !HEX.test(c)) throw invalid(path, 'expected lowercase hex');
      return check(new Uint8Array(Buffer.from(c, 'hex')), path);
    },
  };
}

const HEX = /^(?:[0-9a-f]{2})*$/;

export function text(maxLength: number, pattern?: RegExp): Codec<string> {
  const codec: Codec<string> = {
    toCbor: (v) => v,
    toJson: (v) => v,
    fromJson: (c, path) => codec.fromCbor(c, path),
    fromCbor: (c, path) => {
      if (typeof c !== 'string') throw invalid(path, 'expected text');
      if (c.length > maxLength) throw invalid(path, `longer than ${maxLength} characters`);
      if (pattern && !pattern.test(c)) throw invalid(path, `does not match ${pattern}`);
      return c;
    },
  };
  return codec;
}

export function literal<const L extends string | number>(value: L): Codec<L> {
  const fromCbor = (c: unknown, path: string): L => {
    if (c !== value) throw invalid(path, `expected ${value}`);
    return value;
  };
  return { toCbor: (v) => v, fromCbor, toJson: (v) => v, fromJson: fromCbor };
}

export function oneOf<const L extends string>(values: readonly L[]): Codec<L> {
  const fromCbor = (c: unknown, path: string): L => {
    if (typeof c !== 'string' || !values.includes(c as L)) throw invalid(path, `expected one of ${values}`);
    return c as L;
  };
  return { toCbor: (v) => v, fromCbor, toJson: (v) => v, fromJson: fromCbor };
}

export function list<T>(item: Codec<T>, maxItems: number): Codec<T[]> {
  return {
    toCbor: (v) => v.map((x) => item.toCbor(x)),
    fromCbor: (c, path) => {
      if (!Array.isArray(c)) throw invalid(path, 'expected array');
      if (c.length > maxItems) throw invalid(path, `more than ${maxItems} items`);
      return c.map((x, i) => item.fromCbor(x, `${path}[${i}]`));
    },
    toJson: (v) => v.map((x) => item.toJson(x)),
    fromJson: (c, path) => {
      if (!Array.isArray(c)) throw invalid(path, 'expected array');
      if (c.length > maxItems) throw invalid(path, `more than ${maxItems} items`);
      return c.map((x, i) => item.fromJson(x, `${path}[${i}]`));
    },
  };
}

export function nullable<T>(inner: Codec<T>): Codec<T | null> {
  return {
    toCbor: (v) => (v === null ? null : inner.toCbor(v)),
    fromCbor: (c, path) => (c === null ? null : inner.fromCbor(c, path)),
    toJson: (v) => (v === null ? null : inner.toJson(v)),
    fromJson: (c, path) => (c === null ? null : inner.fromJson(c, path)),
  };
}

export type Shape<T> = { [K in keyof T]-?: Codec<T[K]> };

/** A record encoded as an array in the declaration order of `shape`. */
export function struct<T extends object>(shape: Shape<T>): Codec<T> {
  const entries = Object.entries(shape) as [keyof T & string, Codec<unknown>][];
  return {
    toCbor: (v) => entries.map(([k, codec]) => codec.toCbor(v[k])),
    fromCbor: (c, path) => {
      if (!Array.isArray(c)) throw invalid(path, 'expected record');
      if (c.length !== entries.length) throw invalid(path, `expected ${entries.length} fields`);
      const out: Record<string, unknown> = {};
      entries.forEach(([k, codec], i) => {
        out[k] = codec.fromCbor(c[i], `${path}.${k}`);
      });
      return out as T;
    },
    toJson: (v) => Object.fromEntries(entries.map(([k, codec]) => [k, codec.toJson(v[k])])),
    fromJson: (c, path) => fromJsonFields<T>(c, path, entries, {}),
  };
}

function isObject(c: unknown): c is Record<string, unknown> {
  return typeof c === 'object' && c !== null && !Array.isArray(c);
}

function fromJsonFields<T>(
  c: unknown,
  path: string,
  entries: readonly [string, Codec<unknown>][],
  out: Record<string, unknown>,
  extra: readonly string[] = [],
): T {
  if (!isObject(c)) throw invalid(path, 'expected object');
  for (const k of Object.keys(c)) {
    if (!extra.includes(k) && !entries.some(([name]) => name === k))
      throw invalid(`${path}.${k}`, 'unknown field');
  }
  for (const [k, codec] of entries) {
    if (!(k in c)) throw invalid(`${path}.${k}`, 'missing field');
    out[k] = codec.fromJson(c[k], `${path}.${k}`);
  }
  return out as T;
}

type Variants<U extends { kind: string }> = {
  [K in U['kind']]: Shape<Omit<Extract<U, { kind: K }>, 'kind'>>;
};

/** A tagged union on `kind`, encoded as `[kind, ...fields]`. */
export function variant<U extends { kind: string }>(variants: Variants<U>): Codec<U> {
  const byKind = new Map<string, [string, Codec<unknown>][]>();
  for (const [kind, shape] of Object.entries(variants)) {
    byKind.set(kind, Object.entries(shape as object) as [string, Codec<unknown>][]);
  }
  return {
    toCbor: (v) => {
      const fields = byKind.get(v.kind);
      if (!fields) throw new RangeError(`unknown kind ${v.kind}`);
      const rec = v as unknown as Record<string, unknown>;
      return [v.kind, ...fields.map(([k, codec]) => codec.toCbor(rec[k]))];
    },
    fromCbor: (c, path) => {
      if (!Array.isArray(c) || typeof c[0] !== 'string') throw invalid(path, 'expected tagged record');
      const fields = byKind.get(c[0]);
      if (!fields) throw invalid(`${path}.kind`, `unknown kind ${c[0]}`);
      if (c.length !== fields.length + 1) throw invalid(path, `expected ${fields.length} fields for ${c[0]}`);
      const out: Record<string, unknown> = { kind: c[0] };
      fields.forEach(([k, codec], i) => {
        out[k] = codec.fromCbor(c[i + 1], `${path}.${k}`);
      });
      return out as U;
    },
    toJson: (v) => {
      const fields = byKind.get(v.kind) ?? [];
      const rec = v as unknown as Record<string, unknown>;
      return Object.fromEntries([['kind', v.kind], ...fields.map(([k, codec]) => [k, codec.toJson(rec[k])])]);
    },
    fromJson: (c, path) => {
      if (!isObject(c) || typeof c.kind !== 'string') throw invalid(path, 'expected object with kind');
      const fields = byKind.get(c.kind);
      if (!fields) throw invalid(`${path}.kind`, `unknown kind ${c.kind}`);
      return fromJsonFields<U>(c, path, fields, { kind: c.kind }, ['kind']);
    },
  };
}
