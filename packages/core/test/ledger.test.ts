import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BlockError,
  type Genesis,
  type KeyPair,
  Keys,
  SPENT_RETENTION_BLOCKS,
  StateView,
  type Tx,
  tipCodec,
  toHex,
  txHash,
  txId,
} from '@v2g/core';
import { alice, bob, grid, leags, ra, testGenesis, testKey } from './fixtures.ts';
import { allocation, LedgerChain, makeTx } from './ledgerHarness.ts';

const genesis = testGenesis();
const carol = testKey('carol-wallet');
const ev = testKey('ev-account-1');
const meter = testKey('meter-1');
/** A key that is not a registered LEAG. */
const stranger = testKey('stranger-leag');
const leag0 = leags[0]!;
const leag1 = leags[1]!;

/** Alice's genesis allocation: 1,000,000 micro-units. */
const ALICE = allocation(genesis, 0);

function pay(
  to: KeyPair,
  amount: number,
  extra: Partial<Parameters<typeof makeTx>[1]> = {},
  signers = [alice],
): Tx {
  return makeTx(genesis, { inputs: [ALICE], outputs: [{ to, amount }], ...extra }, signers);
}
function deposit(g: Genesis, leag: KeyPair, reference: number, amount: number, window = 0): Tx {
  return makeTx(
    g,
    { outputs: [{ to: alice, amount }], body: { kind: 'deposit', leag: leag.publicKey, window, reference } },
    [leag],
  );
}
function tariff(window: number, retailPrice: number, feedInPrice: number, signer = grid, g = genesis): Tx {
  const body = { kind: 'tariff' as const, window, retailPrice, feedInPrice, wheelingFee: 0, wheeling: [] };
  return makeTx(g, { body }, [signer]);
}
function registerEv(leag: KeyPair, signers: readonly KeyPair[] = [ra, ev]): Tx {
  return makeTx(
    genesis,
    { body: { kind: 'register-ev', account: ev.publicKey, leag: leag.publicKey } },
    signers,
  );
}
function registerMeter(leag: KeyPair, signers: KeyPair[] = [ra, meter], key: KeyPair = meter): Tx {
  return makeTx(
    genesis,
    { body: { kind: 'register-meter', meter: key.publicKey, leag: leag.publicKey } },
    signers,
  );
}
function withSignature(tx: Tx, mutate: (sig: Uint8Array) => void): Tx {
  return {
    ...tx,
    witnesses: tx.witnesses.map((w, i) => {
      const signature = Uint8Array.from(w.signature);
      if (i === 0) mutate(signature);
      return { ...w, signature };
    }),
  };
}

interface Case {
  readonly name: string;
  readonly code: string;
  readonly genesis?: Genesis;
  /** Blocks committed before the refused transaction. */
  readonly before?: (g: Genesis) => Tx[][];
  readonly tx: (g: Genesis) => Tx;
}

/** One refusal per rule: a transaction that breaks only that rule, in a chain where everything else holds. */
const cases: Case[] = [
  {
    name: 'a double spend across blocks',
    code: 'double-spend',
    before: () => [[pay(bob, 1_000_000)]],
    tx: () => pay(carol, 1_000_000),
  },
  { name: 'an overspend', code: 'overspend', tx: () => pay(bob, 1_000_001) },
  {
    name: 'a signature that does not verify',
    code: 'bad-signature',
    tx: () =>
      withSignature(pay(bob, 1_000_000), (s) => {
        s[10]! ^= 1;
      }),
  },
  {
    name: 'a spend signed by someone other than the owner',
    code: 'missing-signature',
    tx: () => pay(bob, 1_000_000, {}, [bob]),
  },
  {
    name: 'a spend with no signature at all',
    code: 'missing-signature',
    tx: () => pay(bob, 1_000_000, {}, []),
  },
  {
    name: 'a meter registration signed by the LEAG whose station the meter is at, not the RA (decision 0009)',
    code: 'wrong-signer',
    tx: () => registerMeter(leag0, [leag0, meter]),
  },
  {
    name: 'a meter registration signed by the RA without the meter’s proof of possession',
    code: 'wrong-signer',
    tx: () => registerMeter(leag0, [ra]),
  },
  {
    name: 'a meter registration of a LEAG’s own key',
    code: 'invalid-meter',
    tx: () => registerMeter(leag0, [ra, leag1], leag1),
  },
  {
    name: 'an EV registration signed by the grid operator instead of the RA',
    code: 'wrong-signer',
    tx: () => registerEv(leag0, [grid, ev]),
  },
  {
    name: 'an EV registration without the account’s proof of possession',
    code: 'wrong-signer',
    tx: () => registerEv(leag0, [ra]),
  },
  { name: 'a tariff signed by the RA', code: 'wrong-signer', tx: () => tariff(0, 300, 100, ra) },
  {
    name: 'a transaction replayed from another chain id',
    code: 'wrong-chain',
    tx: () => tariff(0, 300, 100, grid, testGenesis({ chainId: 'v2g-other' })),
  },
  {
    name: 'a transaction whose chain id was rewritten after signing',
    code: 'bad-signature',
    tx: (g) => ({ ...tariff(0, 300, 100, grid, testGenesis({ chainId: 'v2g-other' })), chainId: g.chainId }),
  },
  {
    name: 'a transaction before its lockTime',
    code: 'premature',
    tx: () => pay(bob, 1_000_000, { lockTime: 2 }),
  },
  {
    name: 'an EV registration naming an unregistered LEAG',
    code: 'unregistered',
    tx: () => registerEv(stranger),
  },
  {
    name: 'a meter registration for an unregistered LEAG',
    code: 'unregistered',
    tx: () => registerMeter(stranger),
  },
  {
    name: 'a deposit by an unregistered LEAG',
    code: 'unregistered',
    tx: (g) => deposit(g, stranger, 1, 100),
  },
  {
    name: 'a deposit reusing a reference',
    code: 'duplicate',
    before: (g) => [[deposit(g, leag0, 7, 100)]],
    tx: (g) => deposit(g, leag0, 7, 200),
  },
  {
    name: 'a deposit beyond the LEAG’s limit for the window',
    code: 'deposit-limit',
    genesis: limitedGenesis(1000),
    before: (g) => [[deposit(g, leag0, 1, 600)]],
    tx: (g) => deposit(g, leag0, 2, 401),
  },
  {
    name: 'a deposit for a window that is not open',
    code: 'window-closed',
    tx: (g) => deposit(g, leag0, 1, 10, 1),
  },
  { name: 'a tariff with feed-in above retail', code: 'invalid-tariff', tx: () => tariff(0, 100, 101) },
  { name: 'a tariff with a zero retail price', code: 'invalid-tariff', tx: () => tariff(0, 0, 0) },
  {
    name: 'a second tariff for a window',
    code: 'duplicate',
    before: () => [[tariff(1, 300, 100)]],
    tx: () => tariff(1, 310, 90),
  },
  {
    name: 'a second registration of an EV',
    code: 'already-registered',
    before: () => [[registerEv(leag0)]],
    tx: () => registerEv(leag1),
  },
  {
    name: 'a LEAG registration not signed by the RA',
    code: 'wrong-signer',
    tx: () => makeTx(genesis, { body: { kind: 'register-leag', leag: stranger.publicKey } }, [leag0]),
  },
  {
    name: 'a registration of a LEAG that is already registered',
    code: 'already-registered',
    tx: () => makeTx(genesis, { body: { kind: 'register-leag', leag: leag1.publicKey } }, [ra]),
  },
  {
    name: 'a witness nobody asked for',
    code: 'extra-signature',
    tx: () => pay(bob, 1_000_000, {}, [alice, carol]),
  },
  { name: 'a transfer that burns value', code: 'unbalanced', tx: () => pay(bob, 999_999) },
  {
    name: 'a transfer with no inputs',
    code: 'no-inputs',
    tx: () => makeTx(genesis, { inputs: [], outputs: [] }, []),
  },
  { name: 'an output of zero', code: 'zero-output', tx: () => pay(bob, 0) },
  {
    name: 'an input listed twice',
    code: 'duplicate-input',
    tx: () => pay(bob, 2_000_000, { inputs: [ALICE, ALICE] }),
  },
  {
    name: 'an input that never existed',
    code: 'missing-input',
    tx: () => pay(bob, 1, { inputs: [{ txId: new Uint8Array(32).fill(9), index: 0 }] }),
  },
  {
    name: 'a registration that moves tokens',
    code: 'unexpected-value',
    tx: () =>
      makeTx(
        genesis,
        {
          inputs: [ALICE],
          outputs: [{ to: bob, amount: 1_000_000 }],
          body: { kind: 'register-meter', meter: meter.publicKey, leag: leag0.publicKey },
        },
        [alice, ra, meter],
      ),
  },
];

function limitedGenesis(depositLimitPerWindow: number): Genesis {
  const g = testGenesis();
  return { ...g, params: { ...g.params, market: { ...g.params.market, depositLimitPerWindow } } };
}

function chainFor(c: Case): { chain: LedgerChain; g: Genesis } {
  const g = c.genesis ?? genesis;
  const chain = new LedgerChain(g);
  for (const txs of c.before?.(g) ?? []) chain.extend(txs);
  return { chain, g };
}

describe('ledger rules', () => {
  for (const c of cases) {
    test(`refuses ${c.name} with '${c.code}', in the proposer and in a follower`, () => {
      const { chain, g } = chainFor(c);
      const tx = c.tx(g);
      assert.equal(chain.refusal(tx), c.code);
      chain.assertBlockRefuses([tx], 0, c.code);
    });
  }

  test('the required refusals each have their own code', () => {
    const required = [
      'double-spend',
      'overspend',
      'bad-signature',
      'wrong-signer',
      'missing-signature',
      'wrong-chain',
      'premature',
      'unregistered',
      'duplicate',
      'deposit-limit',
      'invalid-tariff',
    ];
    assert.equal(new Set(required).size, required.length);
    for (const code of required)
      assert.ok(
        cases.some((c) => c.code === code),
        code,
      );
  });

  test('refuses a double spend within one block, naming the second transaction', () => {
    const chain = new LedgerChain(genesis);
    const first = pay(bob, 1_000_000);
    const second = pay(carol, 1_000_000);
    const built = chain.build([first, second]);
    assert.deepEqual(built.block.txs, [first]);
    assert.equal(built.rejected[0]?.error.code, 'double-spend');
    chain.assertBlockRefuses([first, second], 1, 'double-spend');
  });

  test('a refusal names the first invalid transaction of the block', () => {
    const chain = new LedgerChain(genesis);
    const ok = tariff(0, 300, 100);
    chain.assertBlockRefuses([ok, pay(bob, 1_000_001), tariff(0, 0, 0)], 1, 'overspend');
  });

  test('spent markers expire after the retention period, and a later double spend is then a missing input', () => {
    const chain = new LedgerChain(genesis);
    chain.extend([pay(bob, 1_000_000)]);
    const spent = Keys.spent(ALICE.txId, ALICE.index);
    assert.ok(chain.store.get(spent));
    // Jump the tip to the last height that still remembers height 1's spends.
    const view = new StateView(chain.store);
    view.write(tipCodec, Keys.tip, { height: SPENT_RETENTION_BLOCKS, timestamp: genesis.genesisTime + 2000 });
    chain.store.applySync(view.changes(), view.digest);
    chain.height = SPENT_RETENTION_BLOCKS;
    assert.equal(chain.refusal(pay(carol, 1_000_000)), 'double-spend');
    chain.extend([]);
    assert.equal(chain.store.get(spent), undefined);
    assert.deepEqual(chain.store.scan(Keys.spentAt(1)), []);
    assert.deepEqual(chain.store.recomputeDigest(), chain.store.digest);
    assert.equal(chain.refusal(pay(carol, 1_000_000)), 'missing-input');
  });

  test('accepts a transaction from its lockTime height on', () => {
    const chain = new LedgerChain(genesis);
    const tx = pay(bob, 1_000_000, { lockTime: 2 });
    chain.extend([]);
    assert.equal(chain.extend([tx]).block.txs.length, 1);
  });

  test('accepts each kind when its rules hold, and the outputs become spendable', () => {
    const chain = new LedgerChain(genesis);
    const dep = deposit(genesis, leag0, 1, 250);
    chain.extend([registerEv(leag0), registerMeter(leag0), tariff(0, 300, 100), dep]);
    assert.ok(chain.store.get(Keys.ev(ev.publicKey)));
    assert.ok(chain.store.get(Keys.meter(meter.publicKey)));
    assert.ok(chain.store.get(Keys.tariff(0)));
    const depositTx = makeTx(
      genesis,
      {
        inputs: [ALICE, { txId: txId(dep), index: 0 }],
        outputs: [{ to: bob, amount: 1_000_250 }],
      },
      [alice],
    );
    chain.extend([depositTx]);
    // Left: Bob's allocation and the 1,000,250 that spent Alice's and the deposit's.
    const utxos = chain.store.entries().filter(([k]) => k.startsWith('utxo/'));
    assert.deepEqual(
      utxos.map(([k]) => k),
      [Keys.utxo(allocation(genesis, 1).txId, 1), Keys.utxo(txId(depositTx), 0)].sort(),
    );
  });

  test('the deposit limit is inclusive', () => {
    const g = limitedGenesis(1000);
    const chain = new LedgerChain(g);
    chain.extend([deposit(g, leag0, 1, 600), deposit(g, leag0, 2, 400)]);
    assert.equal(chain.refusal(deposit(g, leag0, 3, 1)), 'deposit-limit');
    // Another LEAG has its own allowance.
    chain.extend([deposit(g, leag1, 1, 1000)]);
  });

  test('the deposit allowance starts afresh when the next window opens', () => {
    const g = limitedGenesis(1000);
    const chain = new LedgerChain(g);
    chain.extend([deposit(g, leag0, 1, 1000)]);
    while (chain.height < g.params.market.windowBlocks) chain.extend([]);
    assert.equal(chain.refusal(deposit(g, leag0, 2, 1000, 0)), 'window-closed');
    chain.extend([deposit(g, leag0, 2, 1000, 1)]);
  });
});

describe('block header checks', () => {
  const chain = new LedgerChain(genesis);
  chain.extend([
    makeTx(
      genesis,
      {
        inputs: [ALICE],
        outputs: [
          { to: bob, amount: 400_000 },
          { to: carol, amount: 600_000 },
        ],
      },
      [alice],
    ),
  ]);
  const built = chain.build([
    makeTx(genesis, { inputs: [allocation(genesis, 1)], outputs: [{ to: carol, amount: 500_000 }] }, [bob]),
  ]);
  const refuses = (mutate: (b: typeof built.block) => typeof built.block, code: string) => {
    assert.throws(
      () => chain.apply(mutate(built.block)),
      (e: unknown) => e instanceof BlockError && e.code === code,
    );
  };

  test('the unmodified block applies, with the proposer’s state root and hash', () => {
    const applied = chain.apply(built.block);
    assert.deepEqual(applied.stateRoot, built.stateRoot);
    assert.deepEqual(applied.hash, built.hash);
  });

  test('refuses a wrong height', () => {
    refuses((b) => ({ ...b, header: { ...b.header, height: b.header.height + 1 } }), 'wrong-height');
    refuses((b) => ({ ...b, header: { ...b.header, height: b.header.height - 1 } }), 'wrong-height');
  });

  test('refuses a wrong parent', () => {
    refuses((b) => ({ ...b, header: { ...b.header, parentHash: new Uint8Array(32) } }), 'wrong-parent');
  });

  test('refuses a tx root that does not match the transactions', () => {
    refuses((b) => ({ ...b, txs: [] }), 'tx-root-mismatch');
    const other = pay(carol, 1, {}, []);
    refuses((b) => ({ ...b, txs: [...b.txs, other] }), 'tx-root-mismatch');
  });

  test('refuses a state root that does not match the state after the block', () => {
    const wrong = Uint8Array.from(built.block.header.stateRoot);
    wrong[0]! ^= 1;
    refuses((b) => ({ ...b, header: { ...b.header, stateRoot: wrong } }), 'state-root-mismatch');
  });

  test('refuses a wrong chain id, a timestamp before the parent’s, and a last-commit hash that does not match', () => {
    refuses((b) => ({ ...b, header: { ...b.header, chainId: 'v2g-other' } }), 'wrong-chain');
    refuses(
      (b) => ({ ...b, header: { ...b.header, timestamp: genesis.genesisTime } }),
      'timestamp-too-early',
    );
    refuses(
      (b) => ({ ...b, header: { ...b.header, lastCommitHash: new Uint8Array(32) } }),
      'last-commit-mismatch',
    );
  });

  test('refuses more transactions than the block limit', () => {
    const g = testGenesis();
    const small = { ...g, params: { ...g.params, consensus: { ...g.params.consensus, maxBlockTxs: 1 } } };
    const c = new LedgerChain(small);
    const txs = [tariff(0, 300, 100, grid, small), tariff(1, 300, 100, grid, small)];
    assert.equal(c.build(txs).block.txs.length, 1);
    assert.throws(
      () => c.apply(c.forge(txs)),
      (e: unknown) => e instanceof BlockError && e.code === 'too-many-txs',
    );
  });

  test('a block applies the same with and without the verified-transaction cache', () => {
    const hashes = new Set(built.block.txs.map((t) => toHex(txHash(t))));
    const cached = chain.apply(built.block, { has: (h) => hashes.has(h) });
    assert.deepEqual(cached.stateRoot, built.stateRoot);
    assert.deepEqual([...cached.changes], [...built.changes]);
  });

  test('the verified cache skips signature checks only: a cached tx still needs the owner and the chain id', () => {
    const all = { has: () => true };
    const c = new LedgerChain(genesis);
    const stolen = pay(carol, 1_000_000, {}, [bob]);
    assert.throws(
      () => c.apply(c.forge([stolen]), all),
      (e: unknown) =>
        e instanceof BlockError && e.type.code === 'invalid-tx' && e.type.txCode === 'missing-signature',
    );
    const replayed = tariff(0, 300, 100, grid, testGenesis({ chainId: 'v2g-other' }));
    assert.throws(
      () => c.apply(c.forge([replayed]), all),
      (e: unknown) =>
        e instanceof BlockError && e.type.code === 'invalid-tx' && e.type.txCode === 'wrong-chain',
    );
  });
});
