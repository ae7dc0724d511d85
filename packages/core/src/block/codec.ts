import { sha256 } from '../crypto/hash.ts';
import { type Codec, decode, encode, list, literal, nullable, struct, uint } from '../encoding/codec.ts';
import { chainIdText, hash32, publicKey, signature } from '../encoding/fields.ts';
import { txCodec } from '../tx/codec.ts';
import { MAX_BLOCK_BYTES, MAX_BLOCK_TXS, MAX_COMMITTEE } from './limits.ts';
import type { Block, BlockHeader, CommitCertificate, CommitSignature } from './types.ts';

export const blockHeaderCodec: Codec<BlockHeader> = struct<BlockHeader>({
  version: literal(1),
  chainId: chainIdText,
  height: uint,
  parentHash: hash32,
  txRoot: hash32,
  stateRoot: hash32,
  lastCommitHash: hash32,
  timestamp: uint,
  proposer: publicKey,
  round: uint,
});

export const commitSignatureCodec: Codec<CommitSignature> = struct<CommitSignature>({
  voter: publicKey,
  signature,
});

export const certificateCodec: Codec<CommitCertificate> = struct<CommitCertificate>({
  height: uint,
  round: uint,
  blockHash: hash32,
  signatures: list(commitSignatureCodec, MAX_COMMITTEE),
});

export const blockCodec: Codec<Block> = struct<Block>({
  header: blockHeaderCodec,
  txs: list(txCodec, MAX_BLOCK_TXS),
  lastCommit: nullable(certificateCodec),
});

export function encodeBlock(block: Block): Uint8Array {
  return encode(blockCodec, block);
}

export function decodeBlock(bytes: Uint8Array): Block {
  return decode(blockCodec, bytes, MAX_BLOCK_BYTES);
}

export function blockHash(header: BlockHeader): Uint8Array {
  return sha256(encode(blockHeaderCodec, header));
}

const NO_COMMIT = sha256();

export function lastCommitHash(cert: CommitCertificate | null): Uint8Array {
  return cert === null ? NO_COMMIT : sha256(encode(certificateCodec, cert));
}
