import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Block,
  decode,
  fromHex,
  type Genesis,
  type KeyPair,
  MemoryStateStore,
  type Outpoint,
  type Tx,
  toHex,
  utxoCodec,
  walletAddress,
  windowOf,
} from '@v2g/core';
import fc from 'fast-check';
import { grid, leags, ra, testGenesis, testKey } from './fixtures.ts';
import { LedgerChain, makeTx } from './ledgerHarness.ts';

/** Wallets that hold every output, so the generator can always sign for what it spends. */
const wallets = Array.from({ length: 6 }, (_, i) => testKey(`det-wallet-${i}`));
const accounts = Array.from({ length: 4 }, (_, i) => testKey(`det-ev-${i}`));
const meters = Array.from({ length: 4 }, (_, i) => testKey(`det-meter-${i}`));
const byAddress = new Map(wallets.map((w) => [toHex(walletAddress(w.publicKey)), w]));

const base = testGenesis();
const genesis: Genesis = {
  ...base,
  params: {
    ...base.params,
    market: { ...base.params.market, windowBlocks: 2, depositLimitPerWindow: 3_000_000 },
  },
  allocations: wallets
    .slice(0, 4)
    .map((w, i) => ({ address: walletAddress(w.publicKey), amount: 1_000_000 * (i + 1) })),
};

type Op =
  | { op: 'transfer'; pick: number; pick2: number | null; to: number; split: number; lockAhead: number }
  | { op: 'register-ev'; account: number; leag: number }
  | { op: 'register-meter'; meter: number; leag: number }
  | { op: 'deposit'; leag: number; to: number; amount: number; reference: number }
  | { op: 'tariff'; ahead: number; retail: number; feedIn: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('transfer' as const),
      pick: fc.nat(),
      pick2: fc.option(fc.nat(), { nil: null }),
      to: fc.nat(wallets.length - 1),
      split: fc.nat(100),
      lockAhead: fc.constantFrom(0, 0, 0, 1),
    }),
  },
  fc.record({ op: fc.constant('register-ev' as const), account: fc.nat(3), leag: fc.nat(3) }),
  fc.record({ op: fc.constant('register-meter' as const), meter: fc.nat(3), leag: fc.nat(3) }),
  fc.record({
    op: fc.constant('deposit' as const),
    leag: fc.nat(3),
    to: fc.nat(wallets.length - 1),
    amount: fc.integer({ min: 1, max: 1_500_000 }),
    reference: fc.nat(20),
  }),
  fc.record({
    op: fc.constant('tariff' as const),
    ahead: fc.nat(2),
    retail: fc.integer({ min: 1, max: 1000 }),
    feedIn: fc.nat(1000),
  }),
);

interface Coin {
  readonly outpoint: Outpoint;
  readonly owner: KeyPair;
  readonly amount: number;
}

/** Unspent outputs as the chain holds them, in key order. */
function coins(store: MemoryStateStore): Coin[] {
  return store.scan('utxo/').map(([key, value]) => {
    const [txIdHex, index] = key.slice('utxo/'.length).split(':');
    const utxo = decode(utxoCodec, value, 1024);
    const owner = byAddress.get(toHex(utxo.address));
    assert.ok(owner, 'every output pays a test wallet');
    return { outpoint: { txId: fromHex(txIdHex!), index: Number(index) }, owner, amount: utxo.amount };
  });
}

/** Turns generated operations into signed transactions against the chain's current state. */
function toTx(op: Op, chain: LedgerChain, available: Coin[]): Tx | null {
  const height = chain.height + 1;
  switch (op.op) {
    case 'transfer': {
      if (available.length === 0) return null;
      const spend = [available[op.pick % available.length]!];
      if (op.pick2 !== null) {
        const second = available[op.pick2 % available.length]!;
        if (second !== spend[0]) spend.push(second);
      }
      // Spent within this block already: drop from what later ops may pick.
      for (const c of spend) available.splice(available.indexOf(c), 1);
      const total = spend.reduce((s, c) => s + c.amount, 0);
      const first = Math.floor((total * op.split) / 100);
      const outputs = [first, total - first]
        .filter((a) => a > 0)
        .map((amount, i) => ({ to: wallets[(op.to + i) % wallets.length]!, amount }));
      return makeTx(
        genesis,
        { inputs: spend.map((c) => c.outpoint), outputs, lockTime: height + op.lockAhead },
        spend.map((c) => c.owner),
      );
    }
    case 'register-ev': {
      const account = accounts[op.account]!;
      const body = {
        kind: 'register-ev' as const,
        account: account.publicKey,
        leag: leags[op.leag]!.publicKey,
      };
      return makeTx(genesis, { body }, [ra, account]);
    }
    case 'register-meter': {
      const body = {
        kind: 'register-meter' as const,
        meter: meters[op.meter]!.publicKey,
        leag: leags[op.leag]!.publicKey,
      };
      return makeTx(genesis, { body }, [ra, meters[op.meter]!]);
    }
    case 'deposit': {
      const leag = leags[op.leag]!;
      const body = {
        kind: 'deposit' as const,
        leag: leag.publicKey,
        window: windowOf(height, genesis),
        reference: op.reference,
      };
      return makeTx(genesis, { body, outputs: [{ to: wallets[op.to]!, amount: op.amount }] }, [leag]);
    }
    case 'tariff': {
      const window = windowOf(height, genesis) + op.ahead;
      const body = {
        kind: 'tariff' as const,
        window,
        retailPrice: op.retail,
        feedInPrice: Math.min(op.feedIn, op.retail),
        wheelingFee: 0,
        wheeling: [],
      };
      return makeTx(genesis, { body }, [grid]);
    }
  }
}

/** Builds a chain from generated block plans; returns its blocks. Transactions the rules refuse are left out. */
function buildChain(plans: readonly Op[][]): { chain: LedgerChain; blocks: Block[]; kept: number } {
  const chain = new LedgerChain(genesis);
  const blocks: Block[] = [];
  let kept = 0;
  for (const plan of plans) {
    const available = coins(chain.store);
    const txs = plan.map((op) => toTx(op, chain, available)).filter((t): t is Tx => t !== null);
    const built = chain.build(txs);
    chain.commit(built.block);
    blocks.push(built.block);
    kept += built.block.txs.length;
  }
  return { chain, blocks, kept };
}

function replay(blocks: readonly Block[]): LedgerChain {
  const chain = new LedgerChain(genesis);
  for (const b of blocks) chain.commit(b);
  return chain;
}

const plansArb = fc.array(fc.array(opArb, { maxLength: 7 }), { minLength: 1, maxLength: 6 });

describe('determinism', () => {
  test('the same blocks applied on fresh stores give byte-identical state and digests', () => {
    let kept = 0;
    fc.assert(
      fc.property(plansArb, (plans) => {
        const built = buildChain(plans);
        kept += built.kept;
        const first = replay(built.blocks);
        const second = replay(built.blocks);
        for (const c of [first, second]) {
          assert.deepEqual(c.store.entries(), built.chain.store.entries());
          assert.deepEqual(c.store.digest, built.chain.store.digest);
          assert.deepEqual(c.store.recomputeDigest(), c.store.digest);
        }
        assert.deepEqual(built.chain.store.digest, built.blocks.at(-1)!.header.stateRoot);
      }),
      { numRuns: 40 },
    );
    assert.ok(kept > 100, `the generator produces valid transactions (${kept} kept)`);
  });

  test('the incremental digest equals a digest recomputed from scratch after every block', () => {
    fc.assert(
      fc.property(plansArb, (plans) => {
        const { blocks } = buildChain(plans);
        const chain = new LedgerChain(genesis);
        assert.deepEqual(chain.store.recomputeDigest(), chain.store.digest);
        for (const b of blocks) {
          chain.commit(b);
          assert.deepEqual(chain.store.recomputeDigest(), chain.store.digest);
        }
      }),
      { numRuns: 20 },
    );
  });

  test('a store that reached the same state by another history has the same digest', () => {
    fc.assert(
      fc.property(plansArb, (plans) => {
        const { chain } = buildChain(plans);
        const copy = new MemoryStateStore();
        const entries = chain.store.entries().reverse();
        for (const [k, v] of entries) copy.applySync(new Map([[k, v]]), copy.digest);
        assert.deepEqual(copy.entries(), chain.store.entries());
        assert.deepEqual(copy.recomputeDigest(), chain.store.digest);
      }),
      { numRuns: 10 },
    );
  });
});
