import { encodeCbor, encodeTx, type Tx, toHex, txId } from '@v2g/core';

/** Codes that mean "not now": the transaction may be offered again. */
export const BACKPRESSURE = new Set(['overloaded', 'mempool-full', 'rate-limited', 'http-error']);

export interface Refusal {
  readonly index: number;
  readonly code: string;
}

/** Offers transactions to a LEAG as one binary batch (`POST /v1/txs/cbor`); answers the refused ones. */
export async function postBatch(baseUrl: string, txs: readonly Uint8Array[]): Promise<Refusal[]> {
  try {
    const res = await fetch(`${baseUrl}/v1/txs/cbor`, {
      method: 'POST',
      headers: { 'content-type': 'application/cbor' },
      body: encodeCbor([...txs]),
    });
    const body = (await res.json()) as { refused?: Refusal[] };
    if (!res.ok || !body.refused) return txs.map((_, index) => ({ index, code: 'http-error' }));
    return body.refused;
  } catch {
    return txs.map((_, index) => ({ index, code: 'http-error' }));
  }
}

/**
 * Set-up traffic: offers every transaction to its LEAG in batches, offers
 * again what backpressure refused, and waits until all are committed
 * (`committed` is fed by a block stream). Any other refusal is an error.
 */
export async function submitAndCommit(
  byLeag: ReadonlyMap<string, readonly Tx[]>,
  committed: { has(id: string): boolean },
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const ids: string[] = [];
  await Promise.all(
    [...byLeag].map(async ([baseUrl, txs]) => {
      let todo = txs.map((tx) => ({ id: toHex(txId(tx)), bytes: encodeTx(tx) }));
      ids.push(...todo.map((t) => t.id));
      while (todo.length > 0) {
        if (performance.now() > deadline) throw new Error(`${what}: not accepted within ${timeoutMs} ms`);
        const retry: typeof todo = [];
        for (let i = 0; i < todo.length; i += 500) {
          const part = todo.slice(i, i + 500);
          for (const r of await postBatch(
            baseUrl,
            part.map((p) => p.bytes),
          )) {
            if (r.code === 'duplicate') continue;
            if (!BACKPRESSURE.has(r.code)) throw new Error(`${what}: refused with ${r.code}`);
            retry.push(part[r.index]!);
          }
        }
        todo = retry;
        if (todo.length > 0) await new Promise((r) => setTimeout(r, 500));
      }
    }),
  );
  while (!ids.every((id) => committed.has(id))) {
    if (performance.now() > deadline) {
      const left = ids.filter((id) => !committed.has(id)).length;
      throw new Error(`${what}: ${left} of ${ids.length} not committed within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
