import {
  type Block,
  blockCodec,
  type CommitCertificate,
  certificateCodec,
  decode,
  encode,
  MAX_BLOCK_BYTES,
  struct,
} from '@v2g/core';

/** A block with the certificate that committed it: what the block topic and block sync carry. */
export interface CertifiedBlock {
  readonly block: Block;
  readonly certificate: CommitCertificate;
}

const certifiedBlockCodec = struct<CertifiedBlock>({ block: blockCodec, certificate: certificateCodec });

export const MAX_CERTIFIED_BLOCK_BYTES = MAX_BLOCK_BYTES + 64 * 1024;

export function encodeCertifiedBlock(c: CertifiedBlock): Uint8Array {
  return encode(certifiedBlockCodec, c);
}

export function decodeCertifiedBlock(bytes: Uint8Array): CertifiedBlock {
  return decode(certifiedBlockCodec, bytes, MAX_CERTIFIED_BLOCK_BYTES);
}

/**
 * On the block topic a certified block is prefixed with its height (8 bytes,
 * big-endian), so a LEAG that already has that height ignores it without
 * decoding a block of up to 8 MB.
 */
export function encodeBlockMessage(c: CertifiedBlock): Uint8Array {
  const body = encodeCertifiedBlock(c);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(c.block.header.height));
  out.set(body, 8);
  return out;
}

/** The height a block message announces, or null when the message is too short to have one. */
export function blockMessageHeight(bytes: Uint8Array): number | null {
  if (bytes.length < 8) return null;
  const h = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  return h > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(h);
}

/** Decodes a block message; the announced height must match the block's. */
export function decodeBlockMessage(bytes: Uint8Array): CertifiedBlock {
  const height = blockMessageHeight(bytes);
  const c = decodeCertifiedBlock(bytes.subarray(8));
  if (height !== c.block.header.height)
    throw new RangeError('announced height differs from the block height');
  return c;
}
