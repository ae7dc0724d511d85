import { DecodeError, decodeCbor, encodeCbor, MAX_TX_BYTES } from '@v2g/core';

/** A batch never carries more transactions than this, whatever its byte size. */
export const MAX_TXS_PER_BATCH = 4096;

/** CBOR overhead of one byte string of up to 64 KiB inside the list (head of 1–3 bytes). */
const ITEM_OVERHEAD = 3;

export function encodeTxBatch(txs: readonly Uint8Array[]): Uint8Array {
  return encodeCbor(txs);
}

/** Upper bound of a transaction's share of an encoded batch. */
export function txBatchItemSize(tx: Uint8Array): number {
  return tx.length + ITEM_OVERHEAD;
}

/**
 * On the gossip topic a batch is `[sequence, [tx…]]`: the sender's batch
 * number makes every batch new bytes, so gossipsub (which drops a message id
 * it has seen for two minutes) carries a transaction that is gossiped again
 * alone, e.g. one still pending after a restart or a dropped proposal.
 */
export function encodeGossipTxBatch(sequence: number, txs: readonly Uint8Array[]): Uint8Array {
  return encodeCbor([sequence, txs]);
}

export function decodeGossipTxBatch(bytes: Uint8Array, maxBytes: number): Uint8Array[] {
  const value = decodeCbor(bytes, maxBytes);
  if (!Array.isArray(value) || value.length !== 2) throw invalid('expected [sequence, transactions]');
  const [sequence, txs] = value as unknown[];
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0)
    throw invalid('expected a batch sequence number');
  return checkTxList(txs);
}

/**
 * A batch is a canonical CBOR list of 1..MAX_TXS_PER_BATCH byte strings,
 * each at most MAX_TX_BYTES. The transactions themselves are checked by the
 * daemon's validator, one by one.
 */
export function decodeTxBatch(bytes: Uint8Array, maxBytes: number): Uint8Array[] {
  return checkTxList(decodeCbor(bytes, maxBytes));
}

function checkTxList(value: unknown): Uint8Array[] {
  if (!Array.isArray(value)) throw invalid('expected a list');
  if (value.length === 0) throw invalid('empty batch');
  if (value.length > MAX_TXS_PER_BATCH) throw invalid(`more than ${MAX_TXS_PER_BATCH} transactions`);
  const txs: Uint8Array[] = [];
  for (const item of value) {
    if (!(item instanceof Uint8Array)) throw invalid('expected byte strings');
    if (item.length === 0 || item.length > MAX_TX_BYTES) throw invalid('transaction size out of range');
    txs.push(item);
  }
  return txs;
}

function invalid(reason: string): DecodeError {
  return new DecodeError({ code: 'invalid-field', path: '$', reason });
}
