import type { Mempool } from '@v2g/consensus';
import { fromHex } from '@v2g/core';
import type { ChainStore } from '../storage/chainStore.ts';
import type { EvidenceJournal } from '../storage/evidenceJournal.ts';
import type { TxIngress } from './txIngress.ts';

/**
 * At start, what this LEAG held in memory before it stopped comes back from
 * disk: transactions it acknowledged to clients go back into the mempool, or
 * are reported dropped with the reason they no longer apply (so a client
 * asking learns to resubmit), and those dropped before the stop are
 * reported dropped again; evidence it caught goes back too, unless the
 * chain already carries it. Afterwards the journal follows the mempool.
 */
export async function restorePending(
  chain: ChainStore,
  mempool: Mempool,
  ingress: TxIngress,
  evidence: EvidenceJournal,
): Promise<void> {
  // Dropped before the stop: still dropped, with the same reason (recorded before the listener,
  // which would only write them again).
  for (const d of await chain.txJournal.allDropped()) mempool.rememberDropped(d.idHex, d.code, d.reason);
  mempool.onDrop(
    (idHex, code, reason) => void chain.txJournal.dropped(idHex, code, reason).catch(() => undefined),
  );
  for (const { idHex, bytes } of await chain.txJournal.all()) {
    if ((await chain.locateTx(fromHex(idHex))) !== undefined) {
      await chain.txJournal.forget([idHex]);
      continue;
    }
    const r = ingress.readmit(bytes);
    if (!r.ok) mempool.rememberDropped(idHex, r.code, `after a restart: ${r.reason}`);
  }
  for (const tx of await evidence.all()) {
    if (!ingress.evidence(tx).ok) await evidence.forget(tx);
  }
}
