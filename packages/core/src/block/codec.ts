import { sha256 } from '../crypto/hash.ts';
import { type Codec, decode, encode, list, literal, nullable, struct, uint } from '../encoding/codec.ts';
import { DecodeError } from '../encoding/decodeError.ts';
import { chainIdText, hash32, publicKey, signature } from '../encoding/fields.ts';
import { txCodec } from '../tx/codec.ts';
import { MAX_TX_BYTES } from '../tx/limits.ts';
import { decodeTxShared, txBytes } from '../tx/txId.ts';
import type { Tx } from '../tx/types.ts';
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

/**
 * In a block, each transaction travels as its own canonical byte string: a
 * LEAG recognises transactions it already decoded and verified from their
 * bytes alone, and the Merkle leaf is the hash of exactly those bytes. The
 * JSON form stays the readable one.
 */
function txAsBytes(): Codec<Tx> {
  return {
    toCbor: (tx) => txBytes(tx),
    fromCbor: (c, path) => {
      if (!(c instanceof Uint8Array))
        throw new DecodeError({ code: 'invalid-field', path, reason: 'expected tx bytes' });
      if (c.length > MAX_TX_BYTES)
        throw new DecodeError({ code: 'invalid-field', path, reason: 'transaction too large' });
      try {
        return decodeTxShared(c);
      } catch (err) {
        if (err instanceof DecodeError) {
          const reason =
            err.type.code === 'invalid-field' ? `${err.type.path}: ${err.type.reason}` : err.type.code;
          throw new DecodeError({ code: 'invalid-field', path, reason });
        }
        throw err;
      }
    },
    toJson: (tx) => txCodec.toJson(tx),
    fromJson: (j, path) => txCodec.fromJson(j, path),
  };
}

export const blockCodec: Codec<Block> = struct<Block>({
  header: blockHeaderCodec,
  txs: list(txAsBytes(), MAX_BLOCK_TXS),
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
