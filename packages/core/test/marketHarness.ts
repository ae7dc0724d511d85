import assert from 'node:assert/strict';
import {
  applyBlock,
  type BuiltBlock,
  buildBlock,
  combineRules,
  defaultMarketParams,
  type Genesis,
  genesisHash,
  genesisState,
  type KeyPair,
  ledgerRules,
  MemoryStateStore,
  marketRules,
  type Outpoint,
  orderRecordCodec,
  type Rules,
  readGridAccount,
  StateView,
  signTx,
  type Tx,
  type TxBody,
  type TxOutput,
  txId,
  utxoCodec,
  type WheelingPair,
  walletAddress,
} from '@v2g/core';
import { grid, leags, ra, testGenesis, testKey } from './fixtures.ts';

/** A chain of real blocks over MemoryStateStore with the ledger and market rules, for market tests. */

export const marketTestRules: Rules = combineRules(ledgerRules, marketRules);

/** Short windows keep tests fast: window w spans heights 4w+1..4w+4, settled two windows after it closes. */
export function marketGenesis(market: Partial<Genesis['params']['market']> = {}): Genesis {
  const g = testGenesis();
  return {
    ...g,
    params: {
      ...g.params,
      market: { ...defaultMarketParams, windowBlocks: 4, settlementWindows: 2, ...market },
    },
  };
}

/** A deposit of `count` equal coins to one wallet; `escrow(i)` locks all of coin i in a buy order. */
export interface Funds {
  readonly tx: Tx;
  escrow(i: number): { wallet: KeyPair; outpoint: Outpoint; lock: number; amount: number };
}

export function fund(
  chain: MarketChain,
  leag: KeyPair,
  wallet: KeyPair,
  count: number,
  amount: number,
): Funds {
  const tx = chain.tx(
    { kind: 'deposit', leag: leag.publicKey, window: chain.window, reference: chain.nextReference() },
    [leag],
    { outputs: Array.from({ length: count }, () => ({ address: walletAddress(wallet.publicKey), amount })) },
  );
  const id = txId(tx);
  return { tx, escrow: (i) => ({ wallet, outpoint: { txId: id, index: i }, lock: amount, amount }) };
}

export class MarketChain {
  readonly genesis: Genesis;
  readonly store = new MemoryStateStore();
  /** A second node that re-applies every block with applyBlock, when asked to. */
  readonly replica: MemoryStateStore | null;
  height = 0;
  deposited = 0;
  private parent: Uint8Array;
  private reference = 0;

  constructor(genesis: Genesis, opts: { replicate?: boolean } = {}) {
    this.genesis = genesis;
    const g = genesisState(genesis);
    this.store.applySync(g.changes, g.digest);
    this.replica = opts.replicate ? new MemoryStateStore() : null;
    this.replica?.applySync(g.changes, g.digest);
    this.parent = genesisHash(genesis);
  }

  get supply(): number {
    return this.genesis.allocations.reduce((s, a) => s + a.amount, 0) + this.deposited;
  }

  /** Builds the next block from `txs` and commits it; returns what the proposer kept and refused. */
  block(txs: readonly Tx[] = []): BuiltBlock {
    const opts = { genesis: this.genesis, rules: marketTestRules, parentHash: this.parent };
    const template = {
      height: this.height + 1,
      timestamp: this.genesis.genesisTime + this.height + 1,
      proposer: leags[0]!.publicKey,
      round: 0,
      lastCommit: null,
    };
    const built = buildBlock(this.store, template, txs, opts);
    if (this.replica) {
      const applied = applyBlock(this.replica, built.block, opts);
      assert.deepEqual(applied.stateRoot, built.stateRoot);
      this.replica.applySync(applied.changes, applied.stateRoot);
    }
    this.store.applySync(built.changes, built.stateRoot);
    for (const tx of built.block.txs) {
      if (tx.body.kind === 'deposit') this.deposited += tx.outputs.reduce((s, o) => s + o.amount, 0);
    }
    this.parent = built.hash;
    this.height += 1;
    return built;
  }

  /** Applies `txs` and fails the test if any was refused. */
  accept(txs: readonly Tx[]): BuiltBlock {
    const built = this.block(txs);
    assert.deepEqual(
      built.rejected.map((r) => r.error.message),
      [],
      'every transaction should be accepted',
    );
    return built;
  }

  /** The code of the error `tx` is refused with in the next block. */
  refuse(tx: Tx): string {
    const built = this.block([tx]);
    assert.equal(built.rejected.length, 1, 'the transaction should be refused');
    return built.rejected[0]!.error.code;
  }

  /** Empty blocks up to and including `height`. */
  until(height: number): void {
    assert.ok(height >= this.height, `already at ${this.height}`);
    while (this.height < height) this.block();
  }

  /** Closing height of window w. */
  closeOf(window: number): number {
    return (window + 1) * this.genesis.params.market.windowBlocks;
  }

  get window(): number {
    return Math.floor(this.height / this.genesis.params.market.windowBlocks);
  }

  tx(body: TxBody, keys: readonly KeyPair[], io: { inputs?: Outpoint[]; outputs?: TxOutput[] } = {}): Tx {
    return signTx(
      {
        version: 1,
        chainId: this.genesis.chainId,
        inputs: io.inputs ?? [],
        outputs: io.outputs ?? [],
        lockTime: 0,
        body,
      },
      keys,
    );
  }

  registerEv(account: KeyPair, leag: KeyPair): Tx {
    return this.tx({ kind: 'register-ev', account: account.publicKey, leag: leag.publicKey }, [ra, account]);
  }

  /** The RA binds the meter to the station; the meter co-signs (decision 0009). */
  registerMeter(meter: KeyPair, leag: KeyPair, signers: readonly KeyPair[] = [ra, meter]): Tx {
    return this.tx({ kind: 'register-meter', meter: meter.publicKey, leag: leag.publicKey }, signers);
  }

  tariff(
    window: number,
    retailPrice: number,
    feedInPrice: number,
    wheeling: { fee: number; pairs?: WheelingPair[] } = { fee: 0 },
  ): Tx {
    const body = {
      window,
      retailPrice,
      feedInPrice,
      wheelingFee: wheeling.fee,
      wheeling: wheeling.pairs ?? [],
    };
    return this.tx({ kind: 'tariff', ...body }, [grid]);
  }

  /** A fresh deposit reference (and label counter for one-time addresses). */
  nextReference(): number {
    this.reference += 1;
    return this.reference;
  }

  /** A deposit of `amount` to `wallet` in the next block's window; returns the tx and the outpoint it creates. */
  deposit(leag: KeyPair, wallet: KeyPair, amount: number): { tx: Tx; outpoint: Outpoint; amount: number } {
    const window = Math.floor(this.height / this.genesis.params.market.windowBlocks);
    this.reference += 1;
    const tx = this.tx({ kind: 'deposit', leag: leag.publicKey, window, reference: this.reference }, [leag], {
      outputs: [{ address: walletAddress(wallet.publicKey), amount }],
    });
    return { tx, outpoint: { txId: txId(tx), index: 0 }, amount };
  }

  sell(
    account: KeyPair,
    leag: KeyPair,
    o: { window: number; energyWh: number; expectedPrice: number; minPrice: number; payout?: Uint8Array },
    signer: KeyPair = account,
  ): Tx {
    const { payout, ...terms } = o;
    return this.tx(
      {
        kind: 'sell-order',
        account: account.publicKey,
        leag: leag.publicKey,
        ...terms,
        payout: payout ?? walletAddress(testKey(`payout/${this.reference++}`).publicKey),
      },
      [signer],
    );
  }

  buy(
    account: KeyPair,
    leag: KeyPair,
    o: { window: number; energyWh: number; maxPrice: number; refund?: Uint8Array },
    escrow: { wallet: KeyPair; outpoint: Outpoint; lock: number; amount: number },
  ): Tx {
    const { refund, ...terms } = o;
    const change = escrow.amount - escrow.lock;
    return this.tx(
      {
        kind: 'buy-order',
        account: account.publicKey,
        leag: leag.publicKey,
        ...terms,
        refund: refund ?? walletAddress(testKey(`refund/${this.reference++}`).publicKey),
      },
      [account, escrow.wallet],
      {
        inputs: [escrow.outpoint],
        outputs: change > 0 ? [{ address: walletAddress(escrow.wallet.publicKey), amount: change }] : [],
      },
    );
  }

  reading(meter: KeyPair, window: number, order: Tx, energyWh: number): Tx {
    return this.tx({ kind: 'meter-reading', meter: meter.publicKey, window, order: txId(order), energyWh }, [
      meter,
    ]);
  }

  /**
   * Funds the grid operator's account (decision 0010): a LEAG deposit to the
   * grid operator's wallet, then a `grid-account` moving it in. One block.
   */
  fundGrid(leag: KeyPair, amount: number): Tx[] {
    const d = this.deposit(leag, grid, amount);
    const move = this.tx({ kind: 'grid-account', reference: this.nextReference() }, [grid], {
      inputs: [d.outpoint],
    });
    return [d.tx, move];
  }

  /** Tokens in the grid account, free and reserved. */
  gridTotal(): number {
    const a = readGridAccount(this.store);
    return a.balance + a.reserved;
  }

  /** Every token is in exactly one place: an unspent output, an open order's escrow, or the grid account. */
  assertConserved(): void {
    assert.equal(this.utxoTotal() + this.escrowTotal() + this.gridTotal(), this.supply);
  }

  /** Sum of every unspent output. */
  utxoTotal(): number {
    const view = new StateView(this.store);
    return view.scan('utxo/').reduce((s, [key]) => s + view.read(utxoCodec, key)!.amount, 0);
  }

  /** Tokens locked in open buy orders. */
  escrowTotal(): number {
    const view = new StateView(this.store);
    return view.scan('order/').reduce((s, [key]) => s + view.read(orderRecordCodec, key)!.escrow, 0);
  }

  /** Balance of one address. */
  balance(address: Uint8Array): number {
    const view = new StateView(this.store);
    const want = Buffer.from(address).toString('hex');
    return view
      .scan('utxo/')
      .map(([key]) => view.read(utxoCodec, key)!)
      .filter((u) => Buffer.from(u.address).toString('hex') === want)
      .reduce((s, u) => s + u.amount, 0);
  }

  has(key: string): boolean {
    return this.store.get(key) !== undefined;
  }
}
