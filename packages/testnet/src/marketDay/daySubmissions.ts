import { ApiRequestError, type NodeClient } from '@v2g/client';
import type { Tx } from '@v2g/core';
import type { DayEv } from './dayEvs.ts';

/**
 * What the day has submitted and not yet seen committed (LEAG 0's block
 * events tell): the setup waits for it, and the commit of a transaction that
 * pays an EV (a deposit, a buy order's change) makes those coins spendable.
 */
export class DaySubmissions {
  /** Transactions whose commit releases coins to an EV: deposits and buy-order change. */
  readonly owners = new Map<string, DayEv>();
  private readonly awaiting = new Set<string>();
  private readonly clients: readonly NodeClient[];
  private readonly onAccepted: (idHex: string) => void;

  constructor(clients: readonly NodeClient[], onAccepted: (idHex: string) => void) {
    this.clients = clients;
    this.onAccepted = onAccepted;
  }

  /** A transaction committed. */
  committed(idHex: string): void {
    this.awaiting.delete(idHex);
    const owner = this.owners.get(idHex);
    if (owner) {
      this.owners.delete(idHex);
      owner.wallet.confirm(idHex);
      owner.wallet.confirm(`${idHex}/change`);
    }
  }

  async submitAll(leag: number, txs: Tx[]): Promise<void> {
    if (txs.length === 0) return;
    const res = await this.clients[leag]!.submitBatch(txs);
    res.results.forEach((r) => {
      if (!r.accepted || !r.id) return;
      this.awaiting.add(r.id);
      this.onAccepted(r.id);
    });
  }

  async waitCommitted(done: () => boolean, timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (this.awaiting.size > 0 && performance.now() < until && !done()) {
      await new Promise((r) => setTimeout(r, 100));
    }
    this.awaiting.clear();
  }
}

/** The API's refusal code of a failed submission, or `unreachable`. */
export function refusalCode(err: unknown): string {
  return err instanceof ApiRequestError ? err.code : 'unreachable';
}

export const countCode = (m: Map<string, number>, code: string) => m.set(code, (m.get(code) ?? 0) + 1);
