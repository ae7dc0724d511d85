import {
  applyTx,
  type Block,
  type BlockHeader,
  type Genesis,
  type Rules,
  readTip,
  type StateReader,
  StateView,
  type Tx,
  TxError,
  type TxErrorCode,
  type TxVerifiedCache,
  toHex,
  txHash,
  txId,
} from '@v2g/core';

export type DryRunResult = { ok: true } | { ok: false; code: TxErrorCode; reason: string };

const ZERO32 = new Uint8Array(32);

/**
 * Applies one transaction to a throwaway view of the committed state as if it
 * were the only transaction of the next block (the mempool's admission
 * check). A transaction that cannot apply (an order from an account below
 * R_min, a deposit for a closed window, a payment signed by the wrong key) is
 * refused with its rule's own code when it is submitted, instead of being
 * accepted and then silently dropped by the proposer. Nothing is written.
 */
export function dryRunTx(
  state: StateReader,
  genesis: Genesis,
  rules: Rules,
  tx: Tx,
  verified?: TxVerifiedCache,
): DryRunResult {
  const tip = readTip(state);
  const header: BlockHeader = {
    version: 1,
    chainId: genesis.chainId,
    height: tip.height + 1,
    parentHash: ZERO32,
    txRoot: ZERO32,
    stateRoot: ZERO32,
    lastCommitHash: ZERO32,
    timestamp: tip.timestamp,
    proposer: ZERO32,
    round: 0,
  };
  const block: Block = { header, txs: [tx], lastCommit: null };
  try {
    applyTx(
      { genesis, block, header, view: new StateView(state) },
      rules,
      tx,
      txId(tx),
      toHex(txHash(tx)),
      verified,
    );
    return { ok: true };
  } catch (err) {
    if (err instanceof TxError) return { ok: false, code: err.type.code, reason: err.type.reason };
    throw err;
  }
}
