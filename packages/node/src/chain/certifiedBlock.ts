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
