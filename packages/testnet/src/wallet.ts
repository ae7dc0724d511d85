import { generateKeyPair, type KeyPair, type Outpoint, walletAddress } from '@v2g/core';

export interface Coin {
  readonly outpoint: Outpoint;
  readonly amount: number;
  readonly key: KeyPair;
}

/**
 * An EV's wallet as the testnet driver keeps it: one fresh key per received
 * payment (one-time addresses), and the coins known to be committed.
 */
export class Wallet {
  private readonly coins: Coin[] = [];
  private readonly pending = new Map<string, Coin[]>();

  freshAddress(): { key: KeyPair; address: Uint8Array } {
    const key = generateKeyPair();
    return { key, address: walletAddress(key.publicKey) };
  }

  add(coin: Coin): void {
    this.coins.push(coin);
  }

  /** Takes a coin out for spending; it comes back only through `confirm` of the spending transaction's outputs. */
  take(): Coin | undefined {
    return this.coins.shift();
  }

  /** Outputs that become spendable once the transaction `txIdHex` commits. */
  expect(txIdHex: string, coins: Coin[]): void {
    this.pending.set(txIdHex, coins);
  }

  confirm(txIdHex: string): boolean {
    const coins = this.pending.get(txIdHex);
    if (!coins) return false;
    this.pending.delete(txIdHex);
    this.coins.push(...coins);
    return true;
  }

  /** A transaction that failed: its inputs may still be spendable, so they return. */
  abandon(txIdHex: string, inputs: Coin[]): void {
    this.pending.delete(txIdHex);
    this.coins.push(...inputs);
  }

  get spendable(): number {
    return this.coins.length;
  }
}
