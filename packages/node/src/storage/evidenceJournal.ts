import { decodeTx, encodeTx, type Tx, toHex, txId } from '@v2g/core';
import type { Repository } from './repository.ts';

const PREFIX = 'evidence/';
const decoder = new TextDecoder();

/**
 * Evidence of equivocation this LEAG caught, fsync'd next to the signing
 * state. The conflicting votes are seen once and never again, so evidence
 * held only in memory would be lost with a restart or a power cut and the
 * equivocator would go unpunished. At start every entry goes back into the
 * mempool; one the chain already carries is forgotten.
 */
export class EvidenceJournal {
  private readonly repo: Repository<string, Uint8Array>;

  constructor(repo: Repository<string, Uint8Array>) {
    this.repo = repo;
  }

  async record(tx: Tx): Promise<void> {
    await this.repo.put(`${PREFIX}${toHex(txId(tx))}`, encodeTx(tx));
  }

  async forget(tx: Tx): Promise<void> {
    await this.repo.delete(`${PREFIX}${toHex(txId(tx))}`);
  }

  async all(): Promise<Tx[]> {
    const out: Tx[] = [];
    for await (const [key, value] of this.repo.entries()) {
      if (decoder.decode(key).startsWith(PREFIX)) out.push(decodeTx(value));
    }
    return out;
  }
}
