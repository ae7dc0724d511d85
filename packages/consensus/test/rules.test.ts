import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Block,
  BlockError,
  blockHash,
  buildBlock,
  type CommitCertificate,
  compareBytes,
  evAccountCodec,
  type Genesis,
  initialEvReputation,
  type KeyPair,
  Keys,
  keyPairFromSeed,
  leagCodec,
  type SignedVote,
  StateView,
  sha256,
  signTx,
  signVote,
  type Tx,
  type TxBody,
  utf8,
} from '@v2g/core';
import { certificateFrom } from '../src/certificate.ts';
import { absenceLoss, MAX_ABSENCE_INTERVALS } from '../src/rules/consensusRules.ts';
import { genesis, keys, rules } from './fixtures.ts';
import { TestChain } from './testChain.ts';

const order: KeyPair[] = [...keys].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
const ra = keyPairFromSeed(sha256(utf8('v2g-sim/ra')));

function certify(block: Block, signers: readonly KeyPair[]): CommitCertificate {
  const hash = blockHash(block.header);
  return certificateFrom(
    signers.map((k) =>
      signVote(
        genesis.chainId,
        { type: 'commit', height: block.header.height, round: 0, blockHash: hash },
        k,
      ),
    ),
  );
}

function build(
  chain: TestChain,
  g: Genesis,
  opts: { proposer?: KeyPair; txs?: Tx[]; lastCommit?: CommitCertificate | null } = {},
) {
  return buildBlock(
    chain.store,
    {
      height: chain.height + 1,
      round: 0,
      proposer: (opts.proposer ?? order[0]!).publicKey,
      lastCommit: opts.lastCommit === undefined ? chain.lastCertificate : opts.lastCommit,
      timestamp: g.genesisTime + chain.height + 1,
    },
    opts.txs ?? [],
    { genesis: g, rules, parentHash: chain.parentHash },
  );
}

/** Builds, certifies (by `signers`) and commits the next block. */
function next(
  chain: TestChain,
  opts: { proposer?: KeyPair; txs?: Tx[]; signers?: KeyPair[]; g?: Genesis } = {},
) {
  const committee = chain.nextCommittee();
  const members = order.filter(
    (k) =>
      committee.ok && committee.committee.members.some((m) => compareBytes(m.publicKey, k.publicKey) === 0),
  );
  const built = build(chain, opts.g ?? genesis, opts);
  chain.commit(built.block, certify(built.block, opts.signers ?? members));
  return built;
}

function reputation(chain: TestChain, key: KeyPair): number {
  return new StateView(chain.store).read(leagCodec, Keys.leag(key.publicKey))?.reputationPpm ?? -1;
}

function tx(body: TxBody, witnesses: KeyPair[] = []): Tx {
  return signTx(
    { version: 1, chainId: genesis.chainId, inputs: [], outputs: [], lockTime: 0, body },
    witnesses,
  );
}

function conflicting(voter: KeyPair, height = 1): [SignedVote, SignedVote] {
  const a = signVote(
    genesis.chainId,
    { type: 'prepare', height, round: 0, blockHash: sha256(utf8('a')) },
    voter,
  );
  const b = signVote(genesis.chainId, { type: 'prepare', height, round: 0, blockHash: null }, voter);
  return [a, b];
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof BlockError) return err.type.code === 'invalid-tx' ? err.type.txCode : err.type.code;
    throw err;
  }
  return 'ok';
}

describe('consensus rules: certificates and LEAG reputation', () => {
  test('block 2 must carry a certificate of more than 2/3 of block 1 committee, for block 1', () => {
    const chain = new TestChain(genesis, rules);
    const b1 = next(chain);
    assert.equal(
      errorOf(() => build(chain, genesis, { lastCommit: certify(b1.block, order.slice(0, 2)) })),
      'invalid-certificate',
    );
    assert.equal(
      errorOf(() => build(chain, genesis, { lastCommit: null })),
      'invalid-certificate',
    );
    const other = build(new TestChain(genesis, rules), genesis, { proposer: order[1]! }).block;
    assert.equal(
      errorOf(() => build(chain, genesis, { lastCommit: certify(other, order) })),
      'invalid-certificate',
    );
    assert.equal(
      errorOf(() => build(chain, genesis, { lastCommit: certify(b1.block, order.slice(0, 3)) })),
      'ok',
    );
  });

  test('a proposer outside the committee is refused', () => {
    const chain = new TestChain(genesis, rules);
    const stranger = keyPairFromSeed(sha256(utf8('stranger')));
    assert.equal(
      errorOf(() => build(chain, genesis, { proposer: stranger })),
      'wrong-proposer',
    );
  });

  test('the proposer gains, certificate signers gain a little, absent members lose a little', () => {
    const chain = new TestChain(genesis, rules);
    next(chain, { proposer: order[0]!, signers: order.slice(0, 3) });
    next(chain, { proposer: order[1]! });
    const p = genesis.params.consensus;
    assert.equal(reputation(chain, order[0]!), 500_000 + p.proposerGainPpm + p.signerGainPpm);
    assert.equal(reputation(chain, order[1]!), 500_000 + p.signerGainPpm + p.proposerGainPpm);
    assert.equal(reputation(chain, order[2]!), 500_000 + p.signerGainPpm);
    assert.equal(reputation(chain, order[3]!), 500_000 - p.absentLossPpm);
  });

  test('absence costs in proportion to time, at most ten block intervals per block', () => {
    const p = genesis.params.consensus;
    assert.equal(absenceLoss(p, 0), p.absentLossPpm);
    assert.equal(absenceLoss(p, 3 * p.blockIntervalMs), 3 * p.absentLossPpm);
    assert.equal(absenceLoss(p, 3_600_000), MAX_ABSENCE_INTERVALS * p.absentLossPpm);
  });

  test('a LEAG absent for a long outage stops at R_min, stays eligible, and signs its way back up', () => {
    const p = genesis.params.consensus;
    const g: Genesis = {
      ...genesis,
      leags: genesis.leags.map((l) => ({
        ...l,
        reputationPpm: l.publicKey === order[3]!.publicKey ? p.rMinPpm + 3 * p.absentLossPpm : 500_000,
      })),
    };
    const chain = new TestChain(g, rules);
    next(chain, { g });
    for (let i = 0; i < 8; i++) next(chain, { g, signers: order.slice(0, 3) });
    assert.equal(reputation(chain, order[3]!), p.rMinPpm, 'absence alone never excludes');
    const committee = chain.nextCommittee();
    assert.ok(committee.ok && committee.committee.members.length === 4, 'still in the committee');
    next(chain, { g });
    next(chain, { g });
    assert.equal(reputation(chain, order[3]!), p.rMinPpm + p.signerGainPpm, 'back from the floor by signing');
  });

  test('reputation is clamped to [0, 1_000_000] ppm', () => {
    const g: Genesis = {
      ...genesis,
      leags: genesis.leags.map((l) => ({
        ...l,
        reputationPpm: l.publicKey === order[0]!.publicKey ? 999_900 : 1_500,
      })),
    };
    const chain = new TestChain(g, rules);
    next(chain, { g, proposer: order[0]!, signers: [order[0]!] });
    next(chain, { g, proposer: order[0]!, signers: [order[0]!] });
    assert.equal(reputation(chain, order[0]!), 1_000_000);
  });
});

describe('evidence rule', () => {
  test('two conflicting votes cut the LEAG below R_min and out of the next committee', () => {
    const chain = new TestChain(genesis, rules);
    next(chain);
    const [first, second] = conflicting(order[2]!);
    const built = next(chain, { txs: [tx({ kind: 'evidence', first, second })] });
    assert.equal(built.rejected.length, 0);
    assert.ok(reputation(chain, order[2]!) < genesis.params.consensus.rMinPpm);
    const c = chain.nextCommittee();
    assert.ok(c.ok && c.committee.members.every((m) => compareBytes(m.publicKey, order[2]!.publicKey) !== 0));
  });

  test('the same offence cannot be punished twice, even with the votes swapped', () => {
    const chain = new TestChain(genesis, rules);
    const [first, second] = conflicting(order[2]!);
    next(chain, { txs: [tx({ kind: 'evidence', first, second })] });
    const again = build(chain, genesis, { txs: [tx({ kind: 'evidence', first: second, second: first })] });
    assert.equal(again.rejected[0]?.error.code, 'duplicate-evidence');
  });

  test('votes that agree, differ in round or type, or do not verify are not evidence', () => {
    const chain = new TestChain(genesis, rules);
    const [a, b] = conflicting(order[2]!);
    const cases: [SignedVote, SignedVote][] = [
      [a, a],
      [a, signVote(genesis.chainId, { type: 'prepare', height: 1, round: 1, blockHash: null }, order[2]!)],
      [a, signVote(genesis.chainId, { type: 'commit', height: 1, round: 0, blockHash: null }, order[2]!)],
      [a, { ...b, signature: a.signature }],
      [a, signVote('v2g-other', { type: 'prepare', height: 1, round: 0, blockHash: null }, order[2]!)],
      [a, signVote(genesis.chainId, { type: 'prepare', height: 1, round: 0, blockHash: null }, order[1]!)],
    ];
    const built = build(chain, genesis, {
      txs: cases.map(([first, second]) => tx({ kind: 'evidence', first, second })),
    });
    assert.deepEqual(
      built.rejected.map((r) => r.error.code),
      cases.map(() => 'invalid-evidence'),
    );
  });

  test('evidence against a key that is not a LEAG is refused', () => {
    const chain = new TestChain(genesis, rules);
    const [first, second] = conflicting(keyPairFromSeed(sha256(utf8('nobody'))));
    assert.equal(
      build(chain, genesis, { txs: [tx({ kind: 'evidence', first, second })] }).rejected[0]?.error.code,
      'unregistered',
    );
  });
});

describe('reinstate rule', () => {
  function cutChain(): TestChain {
    const chain = new TestChain(genesis, rules);
    next(chain);
    const [first, second] = conflicting(order[3]!);
    next(chain, { txs: [tx({ kind: 'evidence', first, second })] });
    return chain;
  }
  const reinstate = (height: number, target = order[3]!) => ({
    kind: 'reinstate' as const,
    target: target.publicKey,
    role: 'leag' as const,
    height,
  });

  test('approvals of more than 2/3 of the committee at a height lift a LEAG to R_min', () => {
    const chain = cutChain();
    const built = next(chain, { txs: [tx(reinstate(2), order.slice(0, 3))] });
    assert.equal(built.rejected.length, 0);
    assert.equal(reputation(chain, order[3]!), genesis.params.consensus.rMinPpm);
  });

  test('too little approval weight, or a witness outside that committee, is refused', () => {
    const chain = cutChain();
    // The committee of height 3 (from the state after block 2) no longer holds order[3].
    const stranger = keyPairFromSeed(sha256(utf8('stranger')));
    const codes = build(chain, genesis, {
      txs: [tx(reinstate(2), order.slice(0, 2)), tx(reinstate(2), [...order.slice(0, 3), stranger])],
    }).rejected.map((r) => r.error.code);
    assert.deepEqual(codes, ['no-quorum', 'not-committee']);
  });

  test('a LEAG at or above R_min cannot be reinstated, and approvals are used once', () => {
    const chain = cutChain();
    const healthy = build(chain, genesis, { txs: [tx(reinstate(2, order[1]!), order.slice(0, 3))] });
    assert.equal(healthy.rejected[0]?.error.code, 'not-below-minimum');
    const approval = tx(reinstate(2), order.slice(0, 3));
    next(chain, { txs: [approval] });
    // Cut again, then replay the old approval.
    const [first, second] = conflicting(order[3]!, 2);
    next(chain, { txs: [tx({ kind: 'evidence', first, second })] });
    assert.equal(build(chain, genesis, { txs: [approval] }).rejected[0]?.error.code, 'duplicate');
  });

  test('approvals naming a future height, or one whose committee is no longer kept, are refused', () => {
    const chain = cutChain();
    const codes = build(chain, genesis, {
      txs: [tx(reinstate(chain.height + 1), order.slice(0, 3)), tx(reinstate(0), order.slice(0, 3))],
    }).rejected.map((r) => r.error.code);
    assert.deepEqual(codes, ['invalid-reinstate', 'expired']);
  });

  test('an EV account below R_min has its roles below R_min lifted to it and R recomputed by eq. 3.1', () => {
    const chain = new TestChain(genesis, rules);
    const ev = keyPairFromSeed(sha256(utf8('ev-1')));
    next(chain, {
      txs: [tx({ kind: 'register-ev', account: ev.publicKey, leag: order[0]!.publicKey }, [ra, ev])],
    });
    const body = { kind: 'reinstate' as const, target: ev.publicKey, role: 'ev' as const, height: 1 };
    assert.equal(
      build(chain, genesis, { txs: [tx(body, order.slice(0, 3))] }).rejected[0]?.error.code,
      'not-below-minimum',
    );
    // Test-only state surgery: the market rules that lower EV reputation are not part of this package.
    const view = new StateView(chain.store);
    const account = view.read(evAccountCodec, Keys.ev(ev.publicKey))!;
    view.write(evAccountCodec, Keys.ev(ev.publicKey), {
      ...account,
      reputation: { ...initialEvReputation(genesis), r: 100_000, es: 50_000, eb: 300_000 },
    });
    chain.store.applySync(view.changes(), view.digest);
    next(chain, { txs: [tx(body, order.slice(0, 3))] });
    const lifted = new StateView(chain.store).read(evAccountCodec, Keys.ev(ev.publicKey))!.reputation;
    const rMin = genesis.params.evReputation.rMinPpm;
    // R_ES 50,000 → R_min; R_EB stays; R = (200,000 + 300,000) / 2 by eq. 3.1 (decision 0008), not R_min.
    assert.deepEqual([lifted.r, lifted.es, lifted.eb], [250_000, rMin, 300_000]);
  });
});
