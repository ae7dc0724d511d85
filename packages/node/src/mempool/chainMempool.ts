import type { Genesis } from '@v2g/core';
import { chainRules } from '../chain/chainRules.ts';
import { dryRunTx } from '../chain/dryRun.ts';
import { Mempool } from './mempool.ts';

/** The mempool a LEAG runs: every admission is dry-run against the committed state with the chain's rules. */
export function createChainMempool(genesis: Genesis, limits: { maxTxs: number; maxBytes: number }): Mempool {
  const rules = chainRules();
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
