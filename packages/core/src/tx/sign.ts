import { type KeyPair, signMessage } from '../crypto/ed25519.ts';
import { Domain, signingPayload } from '../domain.ts';
import { compareBytes } from '../encoding/cbor.ts';
import { txId } from './txId.ts';
import type { Tx, UnsignedTx, Witness } from './types.ts';

/** The message every witness of a transaction signs. */
export function txSigningPayload(chainId: string, id: Uint8Array): Uint8Array {
  return signingPayload(Domain.tx, chainId, [id]);
}

/** Signs `tx` with each key once; witnesses come out sorted by public key. */
export function signTx(tx: UnsignedTx, keys: readonly KeyPair[]): Tx {
  const payload = txSigningPayload(tx.chainId, txId(tx));
  const unique = new Map<string, KeyPair>();
  for (const k of keys) unique.set(Buffer.from(k.publicKey).toString('hex'), k);
  const witnesses: Witness[] = [...unique.values()]
    .sort((a, b) => compareBytes(a.publicKey, b.publicKey))
    .map((k) => ({ publicKey: k.publicKey, signature: signMessage(k.secretKey, payload) }));
  return { ...tx, witnesses };
}
