import type { NodeClient } from '@v2g/client';
import { depositTx, gridAccountTx, type TxEnvelope } from '@v2g/client';
import { type KeyPair, type Tx, txId, walletAddress } from '@v2g/core';

export interface GridFunding {
  readonly env: TxEnvelope;
  readonly client: NodeClient;
  /** The LEAG whose account server credits the grid operator's wallet. */
  readonly leag: KeyPair;
  readonly grid: KeyPair;
  readonly amount: number;
  reference(): number;
  submit(txs: Tx[]): Promise<void>;
  /** Resolves once what was submitted has committed (or a timeout passed). */
  settle(): Promise<void>;
  done(): boolean;
}

/**
 * The grid operator's account (decision 0010), from which the grid buys EV
 * surplus at feed-in: a LEAG's account server credits the operator's wallet,
 * and the operator moves it into the account. A deposit names its window, so
 * it waits for a few blocks of slack, and tries again if the window closed.
 */
export async function fundGridAccount(f: GridFunding): Promise<void> {
  for (let attempt = 0; attempt < 3 && !f.done(); attempt++) {
    let cur = await f.client.marketCurrent();
    for (let i = 0; i < 50 && cur.blocksLeft < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      cur = await f.client.marketCurrent();
    }
    const deposit = depositTx(f.env, f.leag, cur.window, f.reference(), [
      { address: walletAddress(f.grid.publicKey), amount: f.amount },
    ]);
    await f.submit([deposit]);
    await f.settle();
    await f.submit([gridAccountTx(f.env, f.grid, f.reference(), [{ txId: txId(deposit), index: 0 }], [])]);
    await f.settle();
    if ((await f.client.marketGrid()).balance > 0) return;
  }
}
