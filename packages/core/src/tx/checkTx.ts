import { verifySignature } from '../crypto/ed25519.ts';
import { toHex } from '../crypto/hash.ts';
import { compareBytes } from '../encoding/cbor.ts';
import { txSigningPayload } from './sign.ts';
import { TxError } from './txError.ts';
import type { Tx } from './types.ts';

/**
 * Stateless checks: what a transaction must satisfy on its own, before any
 * state is read. It includes the signature checks, so its result is what the
 * daemon caches per transaction hash (each transaction verified once).
 */
export function checkTxStateless(tx: Tx, id: Uint8Array, chainId: string): void {
  if (tx.chainId !== chainId) {
    throw new TxError('wrong-chain', `transaction is for chain ${tx.chainId}, this is ${chainId}`);
  }
  const seen = new Set<string>();
  for (const input of tx.inputs) {
    const key = `${toHex(input.txId)}:${input.index}`;
    if (seen.has(key)) throw new TxError('duplicate-input', `input ${key} is spent twice in one transaction`);
    seen.add(key);
  }
  let total = 0;
  tx.outputs.forEach((o, i) => {
    if (o.amount === 0) throw new TxError('zero-output', `output ${i} pays nothing`);
    total += o.amount;
    if (!Number.isSafeInteger(total)) throw new TxError('supply-overflow', 'outputs sum beyond 2^53');
  });
  verifyWitnesses(tx, id);
}

export function verifyWitnesses(tx: Tx, id: Uint8Array): void {
  const payload = txSigningPayload(tx.chainId, id);
  for (let i = 0; i < tx.witnesses.length; i++) {
    const w = tx.witnesses[i]!;
    if (i > 0 && compareBytes(tx.witnesses[i - 1]!.publicKey, w.publicKey) >= 0) {
      throw new TxError('unsorted-witnesses', 'witnesses must be sorted by public key, each key once');
    }
    if (!verifySignature(w.signature, payload, w.publicKey)) {
      throw new TxError('bad-signature', `signature of ${toHex(w.publicKey)} does not verify`);
    }
  }
}
