import assert from 'node:assert/strict';
import {
  type AppliedBlock,
  applyBlock,
  type Block,
  BlockError,
  type BlockTemplate,
  type BuiltBlock,
  buildBlock,
  type ExecutionOptions,
  type Genesis,
  genesisAllocationTxId,
  genesisHash,
  genesisState,
  type KeyPair,
  MemoryStateStore,
  MerkleTree,
  type Outpoint,
  signTx,
  type Tx,
  type TxBody,
  type TxVerifiedCache,
  txHash,
  walletAddress,
} from '@v2g/core';
import { coreRules, leags } from './fixtures.ts';

/** A chain of real blocks over MemoryStateStore with the core (ledger) rules. */
export class LedgerChain {
  readonly genesis: Genesis;
  readonly store = new MemoryStateStore();
  height = 0;
  parent: Uint8Array;

  constructor(genesis: Genesis) {
    this.genesis = genesis;
    const g = genesisState(genesis);
    this.store.applySync(g.changes, g.digest);
    this.parent = genesisHash(genesis);
  }

  options(verified?: TxVerifiedCache): ExecutionOptions {
    const base = { genesis: this.genesis, rules: coreRules, parentHash: this.parent };
    return verified ? { ...base, verified } : base;
  }

  template(): BlockTemplate {
    return {
      height: this.height + 1,
      timestamp: this.genesis.genesisTime + (this.height + 1) * 1000,
      proposer: leags[0]!.publicKey,
      round: 0,
      lastCommit: null,
    };
  }

  /** What the proposer would put in the next block, without committing it. */
  build(txs: readonly Tx[]): BuiltBlock {
    return buildBlock(this.store, this.template(), txs, this.options());
  }

  /** Builds the next block from `txs`, checks every tx was kept, re-applies it as a follower would, and commits. */
  extend(txs: readonly Tx[] = []): BuiltBlock {
    const built = this.build(txs);
    assert.deepEqual(
      built.rejected.map((r) => r.error.code),
      [],
      'every transaction of the block applies',
    );
    this.commit(built.block);
    return built;
  }

  apply(block: Block, verified?: TxVerifiedCache): AppliedBlock {
    return applyBlock(this.store, block, this.options(verified));
  }

  commit(block: Block): AppliedBlock {
    const applied = this.apply(block);
    this.store.applySync(applied.changes, applied.stateRoot);
    this.height = block.header.height;
    this.parent = applied.hash;
    return applied;
  }

  /** The code buildBlock refuses a lone `tx` with at the next height. */
  refusal(tx: Tx): string | undefined {
    return this.build([tx]).rejected[0]?.error.code;
  }

  /**
   * A next block holding exactly `txs`, valid in every respect a header can
   * state (height, parent, tx root over the tx hashes), so that applying it
   * fails, if at all, on a transaction. The state root is left zero.
   */
  forge(txs: readonly Tx[]): Block {
    const { block } = this.build([]);
    const txRoot = new MerkleTree(txs.map(txHash)).root;
    return { ...block, header: { ...block.header, txRoot }, txs };
  }

  /** Asserts that applying a forged block with `txs` fails on tx `index` with `txCode`. */
  assertBlockRefuses(txs: readonly Tx[], index: number, txCode: string): void {
    assert.throws(
      () => this.apply(this.forge(txs)),
      (e: unknown) => {
        assert.ok(e instanceof BlockError, String(e));
        assert.equal(e.type.code, 'invalid-tx', e.message);
        if (e.type.code === 'invalid-tx') assert.deepEqual([e.type.index, e.type.txCode], [index, txCode]);
        return true;
      },
    );
  }
}

/** The outpoint of genesis allocation `index`. */
export function allocation(genesis: Genesis, index: number): Outpoint {
  return { txId: genesisAllocationTxId(genesis), index };
}

export interface TxSpec {
  readonly inputs?: readonly Outpoint[];
  readonly outputs?: readonly { readonly to: KeyPair | Uint8Array; readonly amount: number }[];
  readonly lockTime?: number;
  readonly body?: TxBody;
  readonly chainId?: string;
}

/** A signed transaction; outputs pay the wallet address of a key, or a raw address. */
export function makeTx(genesis: Genesis, spec: TxSpec, signers: readonly KeyPair[]): Tx {
  return signTx(
    {
      version: 1,
      chainId: spec.chainId ?? genesis.chainId,
      inputs: spec.inputs ?? [],
      outputs: (spec.outputs ?? []).map((o) => ({
        address: o.to instanceof Uint8Array ? o.to : walletAddress(o.to.publicKey),
        amount: o.amount,
      })),
      lockTime: spec.lockTime ?? 0,
      body: spec.body ?? { kind: 'transfer' },
    },
    signers,
  );
}
