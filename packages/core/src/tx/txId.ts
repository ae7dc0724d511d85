import { sha256 } from '../crypto/hash.ts';
import { encodeCbor } from '../encoding/cbor.ts';
import { encode } from '../encoding/codec.ts';
import { decodeTx, encodeTx, unsignedTxCodec, witnessCodec } from './codec.ts';
import type { Tx, UnsignedTx } from './types.ts';

/**
 * Ids, hashes and canonical bytes of a transaction are memoized per object
 * (transactions are immutable values), and decoded transactions are shared
 * per byte string. A LEAG thus decodes and hashes a transaction once, when it
 * first arrives, and a block carrying it later costs one sha256 per
 * transaction to recognise it. The memo is invisible to callers: the same
 * inputs give the same outputs with or without it.
 */
interface TxMemo {
  bytes?: Uint8Array;
  id?: Uint8Array;
  hash?: Uint8Array;
}

const memo = new WeakMap<object, TxMemo>();
const DECODED_LIMIT = 20_000;
const decoded = new Map<string, Tx>();

function memoOf(tx: object): TxMemo {
  let m = memo.get(tx);
  if (!m) {
    m = {};
    memo.set(tx, m);
  }
  return m;
}

/** The transaction id: H(unsigned tx). It is what witnesses sign and what outpoints spend. */
export function txId(tx: UnsignedTx): Uint8Array {
  const m = memoOf(tx);
  if (!m.id) {
    const { version, chainId, inputs, outputs, lockTime, body } = tx;
    m.id = sha256(encode(unsignedTxCodec, { version, chainId, inputs, outputs, lockTime, body }));
  }
  return m.id;
}

/** The canonical bytes of a transaction. */
export function txBytes(tx: Tx): Uint8Array {
  const m = memoOf(tx);
  m.bytes ??= encodeTx(tx);
  return m.bytes;
}

/** The transaction hash: H(whole tx, witnesses included). Merkle leaves use it, so blocks commit to witnesses. */
export function txHash(tx: Tx): Uint8Array {
  const m = memoOf(tx);
  m.hash ??= sha256(txBytes(tx));
  return m.hash;
}

const ARRAY_OF_7 = 0x87;
const ARRAY_OF_6 = 0x86;

/**
 * Decodes canonical transaction bytes, sharing the result for identical
 * bytes. The unsigned encoding is the full one with the array header turned
 * from 7 fields to 6 and the trailing witness list cut off, so the id costs
 * no second encoding.
 */
export function decodeTxShared(bytes: Uint8Array): Tx {
  const hash = sha256(bytes);
  const key = Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('latin1');
  const hit = decoded.get(key);
  if (hit) return hit;
  const tx = decodeTx(bytes);
  const witnesses = encodeCbor(tx.witnesses.map((w) => witnessCodec.toCbor(w)));
  const unsigned = new Uint8Array(bytes.length - witnesses.length);
  unsigned.set(bytes.subarray(0, unsigned.length));
  if (unsigned[0] !== ARRAY_OF_7) throw new RangeError('a canonical transaction is an array of 7 fields');
  unsigned[0] = ARRAY_OF_6;
  // Keep a copy, not a view that would pin a whole block's buffer in memory.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  memo.set(tx, { bytes: own, hash, id: sha256(unsigned) });
  if (decoded.size >= DECODED_LIMIT) {
    // Forget the oldest quarter; a Map iterates in insertion order.
    let drop = DECODED_LIMIT / 4;
    for (const k of decoded.keys()) {
      if (drop-- <= 0) break;
      decoded.delete(k);
    }
  }
  decoded.set(key, tx);
  return tx;
}
