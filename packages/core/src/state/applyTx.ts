import { walletAddress } from '../crypto/address.ts';
import { toHex } from '../crypto/hash.ts';
import { bytesEqual } from '../encoding/cbor.ts';
import { checkTxStateless } from '../tx/checkTx.ts';
import { TxError } from '../tx/txError.ts';
import type { Tx } from '../tx/types.ts';
import { Keys } from './keys.ts';
import { heightCodec, utxoCodec } from './records.ts';
import type { BlockContext, Rules } from './rules.ts';

export interface TxVerifiedCache {
  /** True when this exact transaction (by hash) already passed the stateless checks. */
  has(txHash: string): boolean;
}

/**
 * Applies one transaction to `ctx.view`, or throws TxError and writes nothing.
 * Order of checks: lockTime, stateless checks (skipped when cached), inputs
 * (DESIGN §4: an input spends (txId, index) and is signed by that output's
 * wallet key), signers, value balance, then the kind's own rule.
 */
export function applyTx(
  ctx: BlockContext,
  rules: Rules,
  tx: Tx,
  id: Uint8Array,
  hash: string,
  verified?: TxVerifiedCache,
): void {
  const { header, genesis } = ctx;
  if (tx.lockTime > header.height) {
    throw new TxError('premature', `lockTime ${tx.lockTime} is after height ${header.height}`);
  }
  if (!verified?.has(hash)) checkTxStateless(tx, id, genesis.chainId);
  else if (tx.chainId !== genesis.chainId)
    throw new TxError('wrong-chain', `transaction is for ${tx.chainId}`);

  const rule = rules.tx[tx.body.kind];
  if (!rule)
    throw new TxError('unsupported-kind', `transactions of kind ${tx.body.kind} are not accepted yet`);

  const view = ctx.view.child();
  const owners: Uint8Array[] = [];
  let inputTotal = 0;
  for (const input of tx.inputs) {
    const key = Keys.utxo(input.txId, input.index);
    const utxo = view.read(utxoCodec, key);
    if (!utxo) {
      const where = `${toHex(input.txId)}:${input.index}`;
      if (view.has(Keys.spent(input.txId, input.index))) {
        throw new TxError('double-spend', `output ${where} is already spent`);
      }
      throw new TxError('missing-input', `output ${where} does not exist`);
    }
    owners.push(utxo.address);
    inputTotal += utxo.amount;
    view.delete(key);
    view.write(heightCodec, Keys.spent(input.txId, input.index), header.height);
    view.write(heightCodec, `${Keys.spentAt(header.height)}${toHex(input.txId)}:${input.index}`, 0);
  }

  checkSigners(tx, owners, rule.signers(tx, genesis), rule.extraWitnesses === true);

  let outputTotal = 0;
  tx.outputs.forEach((output, index) => {
    outputTotal += output.amount;
    const key = Keys.utxo(id, index);
    if (view.has(key) || view.has(Keys.spent(id, index))) {
      throw new TxError('duplicate', 'this transaction is already on the chain');
    }
    view.write(utxoCodec, key, output);
  });
  if (!Number.isSafeInteger(inputTotal)) throw new TxError('supply-overflow', 'inputs sum beyond 2^53');
  if (outputTotal > inputTotal && !rule.mints) {
    throw new TxError('overspend', `outputs pay ${outputTotal} but inputs hold ${inputTotal}`);
  }
  if (inputTotal > outputTotal && !rule.escrows) {
    throw new TxError(
      'unbalanced',
      `inputs hold ${inputTotal} but outputs pay only ${outputTotal}; there are no fees`,
    );
  }

  rule.apply({ ...ctx, view, tx, id, inputTotal, outputTotal });
  ctx.view.merge(view);
}

function checkSigners(
  tx: Tx,
  owners: readonly Uint8Array[],
  bodySigners: readonly Uint8Array[],
  allowExtra: boolean,
): void {
  const witnessAddresses = tx.witnesses.map((w) => walletAddress(w.publicKey));
  const used = new Array<boolean>(tx.witnesses.length).fill(false);
  for (const owner of owners) {
    const i = witnessAddresses.findIndex((a) => bytesEqual(a, owner));
    if (i < 0) throw new TxError('missing-signature', `no witness signs for address ${toHex(owner)}`);
    used[i] = true;
  }
  for (const signer of bodySigners) {
    const i = tx.witnesses.findIndex((w) => bytesEqual(w.publicKey, signer));
    if (i < 0) throw new TxError('wrong-signer', `a ${tx.body.kind} must be signed by ${toHex(signer)}`);
    used[i] = true;
  }
  if (!allowExtra) {
    const extra = used.indexOf(false);
    if (extra >= 0) {
      throw new TxError(
        'extra-signature',
        `witness ${toHex(tx.witnesses[extra]!.publicKey)} is not required`,
      );
    }
  }
}
