import { sha256 } from '../crypto/hash.ts';
import { encode } from '../encoding/codec.ts';
import { encodeTx, unsignedTxCodec } from './codec.ts';
import type { Tx, UnsignedTx } from './types.ts';

/** The transaction id: H(unsigned tx). It is what witnesses sign and what outpoints spend. */
export function txId(tx: UnsignedTx): Uint8Array {
  const { version, chainId, inputs, outputs, lockTime, body } = tx;
  return sha256(encode(unsignedTxCodec, { version, chainId, inputs, outputs, lockTime, body }));
}

/** The transaction hash: H(whole tx, witnesses included). Merkle leaves use it, so blocks commit to witnesses. */
export function txHash(tx: Tx): Uint8Array {
  return sha256(encodeTx(tx));
}
