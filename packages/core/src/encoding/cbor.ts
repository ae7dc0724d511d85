import { decode, encode } from 'cborg';
import { DecodeError } from './decodeError.ts';

/**
 * Canonical encoding for everything hashed or signed: deterministic CBOR
 * (RFC 8949 §4.2) through cborg. Structures are encoded as arrays in a fixed
 * field order, so there are no map-key ordering questions at all.
 */
export type Cbor = number | string | boolean | null | Uint8Array | readonly Cbor[];

export function encodeCbor(value: Cbor): Uint8Array {
  return encode(value);
}

const decodeOptions = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: true,
  rejectDuplicateMapKeys: true,
} as const;

/**
 * Decodes one canonical CBOR item. Rejects oversized input before parsing,
 * trailing bytes, and any encoding that differs from the canonical one (the
 * decoded value is re-encoded and compared byte for byte).
 */
export function decodeCbor(bytes: Uint8Array, maxSize: number): unknown {
  if (bytes.length > maxSize)
    throw new DecodeError({ code: 'too-large', size: bytes.length, limit: maxSize });
  let value: unknown;
  try {
    value = decode(bytes, decodeOptions);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (/too many terminals|extra|remaining/i.test(reason)) throw new DecodeError({ code: 'trailing-bytes' });
    // cborg's strict mode refuses non-minimal heads, and indefinite lengths are
    // off: both are valid CBOR in a non-canonical form, not malformed input.
    if (/strict decode|indefinite length/i.test(reason)) throw new DecodeError({ code: 'non-canonical' });
    throw new DecodeError({ code: 'malformed', reason });
  }
  let again: Uint8Array;
  try {
    again = encode(value);
  } catch {
    throw new DecodeError({ code: 'non-canonical' });
  }
  if (!bytesEqual(again, bytes)) throw new DecodeError({ code: 'non-canonical' });
  return value;
}

/**
 * Decodes bytes this node encoded itself and kept, such as state values:
 * `encodeCbor` only writes canonical bytes, and a store's contents are checked
 * against its state root when it is opened, so the canonical re-encoding of
 * `decodeCbor` (half the cost of a small record) is left out. Never for
 * bytes from the network or a client.
 */
export function decodeStoredCbor(bytes: Uint8Array, maxSize: number): unknown {
  if (bytes.length > maxSize)
    throw new DecodeError({ code: 'too-large', size: bytes.length, limit: maxSize });
  return decode(bytes, decodeOptions);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte order; the one total order used wherever bytes are sorted. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
