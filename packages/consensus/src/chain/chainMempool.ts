import type { Genesis, Rules } from '@v2g/core';
import { chainRules } from './chainRules.ts';
import { dryRunTx } from './dryRun.ts';
import { Mempool } from './mempool.ts';

export interface ChainMempoolLimits {
  readonly maxTxs: number;
  readonly maxBytes: number;
}

/** The mempool a LEAG runs: every admission is dry-run against the committed state with the chain's rules. */
export function createChainMempool(
  genesis: Genesis,
  limits: ChainMempoolLimits,
  rules: Rules = chainRules(),
): Mempool {
  const mempool: Mempool = new Mempool({
    chainId: genesis.chainId,
    maxTxs: limits.maxTxs,
    maxBytes: limits.maxBytes,
    verifiedCacheSize: Math.max(20_000, limits.maxTxs * 2),
    checkState: (tx, state) => {
      const r = dryRunTx(state, genesis, rules, tx, mempool);
      return r.ok ? null : r;
    },
  });
  return mempool;
}
