import {
  applyTx,
  type Block,
  type BlockHeader,
  combineRules,
  type Genesis,
  marketRules,
  type StateReader,
  StateView,
  type Tx,
  TxError,
  toHex,
  txHash,
  txId,
} from '@v2g/core';

/** Kinds the market endpoint takes; everything else goes through POST /v1/txs. */
export const MARKET_KINDS = ['sell-order', 'buy-order', 'meter-reading'] as const;

const rules = combineRules(marketRules);
const ZERO32 = new Uint8Array(32);

export type DryRunResult = { ok: true } | { ok: false; code: string; reason: string };

/**
 * Applies a market transaction to a throwaway view of the committed state as
 * if it were in the next block. The mempool checks only signatures and
 * inputs, so without this an order from an account below R_min, or for a
 * closed window, would be accepted by the API and then silently dropped by
 * the proposer; here the EV hears the rule's own code (`untrusted`,
 * `window-closed`, …) at once. Nothing is written: the view is discarded.
 */
export function dryRunMarketTx(state: StateReader, genesis: Genesis, head: number, tx: Tx): DryRunResult {
  const header: BlockHeader = {
    version: 1,
    chainId: genesis.chainId,
    height: head + 1,
    parentHash: ZERO32,
    txRoot: ZERO32,
    stateRoot: ZERO32,
    lastCommitHash: ZERO32,
    timestamp: 0,
    proposer: ZERO32,
    round: 0,
  };
  const block: Block = { header, txs: [tx], lastCommit: null };
  try {
    applyTx({ genesis, block, header, view: new StateView(state) }, rules, tx, txId(tx), toHex(txHash(tx)));
    return { ok: true };
  } catch (err) {
    if (err instanceof TxError) return { ok: false, code: err.type.code, reason: err.type.reason };
    throw err;
  }
}
