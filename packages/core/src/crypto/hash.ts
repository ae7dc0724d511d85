import { hash } from 'node:crypto';

export const HASH_LENGTH = 32;

/**
 * SHA-256 of the parts in order. One-shot `crypto.hash` over one buffer: a
 * Hash object and an update per part cost more than copying a few small
 * parts together, and the digest is returned as a plain Uint8Array over the
 * digest's own memory instead of a second copy.
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  return digestOf(hash('sha256', parts.length === 1 ? parts[0]! : joined(parts), 'buffer'));
}

function joined(parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A Uint8Array (not a Buffer: callers compare and slice it as one) that owns exactly its 32 bytes. */
function digestOf(d: Buffer): Uint8Array {
  if (d.byteOffset !== 0 || d.buffer.byteLength !== d.byteLength) return new Uint8Array(d);
  return new Uint8Array(d.buffer, 0, d.byteLength);
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const HEX = /^(?:[0-9a-f]{2})*$/;

export function fromHex(s: string): Uint8Array {
  if (!HEX.test(s)) throw new TypeError('invalid hex');
  return new Uint8Array(Buffer.from(s, 'hex'));
}

const encoder = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
