import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Block,
  blockHash,
  compareBytes,
  type KeyPair,
  type SignedVote,
  signMessage,
  signVote,
  toHex,
} from '@v2g/core';
import fc from 'fast-check';
import { verifyCertificate } from '../src/certificate.ts';
import type { EngineAction, SigningState } from '../src/interface.ts';
import { type ConsensusMessage, proposalSigningPayload } from '../src/messages.ts';
import { committeeOf, freshChain, genesis, Harness, keys } from './fixtures.ts';

/** Committee order at genesis (equal reputation): public key ascending. Leader of round r is order[r % 4]. */
const order: KeyPair[] = [...keys].sort((a, b) => compareBytes(a.publicKey, b.publicKey));

function block1(proposer: KeyPair, round: number, stamp: number): Block {
  return freshChain()
    .validator(proposer.publicKey, () => genesis.genesisTime + stamp)
    .propose(1, round, null);
}

function proposal(round: number, block: Block, validRound: number | null = null): ConsensusMessage {
  const leader = order[round % 4]!;
  const payload = proposalSigningPayload(genesis.chainId, {
    height: 1,
    round,
    validRound,
    blockHash: blockHash(block.header),
  });
  return {
    kind: 'proposal',
    height: 1,
    round,
    validRound,
    block,
    proposer: leader.publicKey,
    signature: signMessage(leader.secretKey, payload),
  };
}

function vote(
  key: KeyPair,
  type: 'prepare' | 'commit',
  round: number,
  block: Block | null,
): ConsensusMessage {
  const hash = block === null ? null : blockHash(block.header);
  return { kind: 'vote', vote: signVote(genesis.chainId, { type, height: 1, round, blockHash: hash }, key) };
}

function ownVotes(h: Harness): SignedVote[] {
  return h
    .sent()
    .flatMap((m) => (m.kind === 'vote' && compareBytes(m.vote.voter, h.key.publicKey) === 0 ? [m.vote] : []));
}

function lastOwn(h: Harness, type: 'prepare' | 'commit', round: number): string | undefined {
  const v = ownVotes(h)
    .filter((x) => x.type === type && x.round === round)
    .at(-1);
  return v === undefined ? undefined : v.blockHash === null ? 'nil' : toHex(v.blockHash);
}

const hex = (b: Block) => toHex(blockHash(b.header));

/** Delivers every broadcast to every other harness until the network is quiet; fires timers in time order. */
function runNetwork(hs: Harness[], until: (hs: Harness[]) => boolean): void {
  const timers: { at: number; h: Harness; t: EngineAction & { type: 'schedule' } }[] = [];
  let now = 0;
  const queue: { from: Harness; m: ConsensusMessage }[] = [];
  const handle = (h: Harness, actions: EngineAction[]) => {
    for (const a of actions) {
      if (a.type === 'broadcast') queue.push({ from: h, m: a.message });
      if (a.type === 'schedule') timers.push({ at: now + a.delayMs, h, t: a });
    }
  };
  for (const h of hs) handle(h, h.start());
  for (let steps = 0; steps < 10_000 && !until(hs); steps++) {
    const next = queue.shift();
    if (next) {
      for (const h of hs) if (h !== next.from) handle(h, h.message(next.m));
      continue;
    }
    timers.sort((a, b) => a.at - b.at);
    const t = timers.shift();
    if (!t) return;
    now = t.at;
    handle(t.h, t.h.take(t.h.engine.handleTimeout(t.t.timeout)));
  }
}

describe('engine', () => {
  test('four honest LEAGs decide height 1 with a certificate of more than 2/3 of the weight', () => {
    const hs = keys.map((k) => new Harness(k));
    runNetwork(hs, (all) => all.every((h) => h.commits().length > 0));
    const decided = hs.map((h) => h.commits()[0]!);
    for (const d of decided) {
      assert.equal(hex(d.block), hex(decided[0]!.block));
      assert.ok(verifyCertificate(d.certificate, committeeOf(freshChain()), genesis.chainId).ok);
    }
  });

  test('every newly signed vote is preceded, in its batch, by a persist of a signing state holding it', () => {
    const hs = keys.map((k) => new Harness(k));
    let checked = 0;
    for (const h of hs) {
      const take = h.take.bind(h);
      const seen = new Set<Uint8Array>();
      h.take = (batch) => {
        batch.forEach((a, i) => {
          if (a.type !== 'broadcast' || a.message.kind !== 'vote') return;
          const v = a.message.vote;
          if (compareBytes(v.voter, h.key.publicKey) !== 0 || seen.has(v.signature)) return;
          seen.add(v.signature);
          const persisted = batch
            .slice(0, i)
            .some((p) => p.type === 'persist' && p.state.votes.some((x) => x.signature === v.signature));
          assert.ok(persisted, 'vote broadcast before its persist');
          checked++;
        });
        return take(batch);
      };
    }
    runNetwork(hs, (all) => all.every((h) => h.commits().length > 0));
    assert.ok(checked >= 6, `checked ${checked}`);
  });

  test('a LEAG locked on a block prepares nil for a different fresh proposal', () => {
    const e = new Harness(order[3]!);
    const a = block1(order[0]!, 0, 1);
    const b = block1(order[1]!, 1, 2);
    e.start();
    e.fire('start');
    e.message(proposal(0, a));
    assert.equal(lastOwn(e, 'prepare', 0), hex(a));
    e.message(vote(order[0]!, 'prepare', 0, a));
    e.message(vote(order[1]!, 'prepare', 0, a));
    assert.equal(lastOwn(e, 'commit', 0), hex(a), 'locks and commit-votes on a prepare quorum');
    assert.equal(e.engine.status().lock?.round, 0);
    for (const k of [order[0]!, order[1]!]) e.message(vote(k, 'commit', 0, null));
    e.fire('commit', 0);
    assert.equal(e.engine.status().round, 1);
    e.message(proposal(1, b));
    assert.equal(lastOwn(e, 'prepare', 1), 'nil');
  });

  test('a prepare quorum in a later round moves the lock to that block', () => {
    const e = new Harness(order[3]!);
    const a = block1(order[0]!, 0, 1);
    const b = block1(order[1]!, 1, 2);
    e.start();
    e.fire('start');
    e.message(proposal(0, a));
    for (const k of [order[0]!, order[1]!]) e.message(vote(k, 'prepare', 0, a));
    for (const k of [order[0]!, order[1]!]) e.message(vote(k, 'commit', 0, null));
    e.fire('commit', 0);
    e.message(proposal(1, b));
    for (const k of [order[0]!, order[1]!, order[2]!]) e.message(vote(k, 'prepare', 1, b));
    assert.deepEqual(e.engine.status().lock?.round, 1);
    assert.equal(lastOwn(e, 'commit', 1), hex(b));
  });

  test('a re-proposal backed by a prepare quorum newer than the lock unlocks; without that quorum it does not', () => {
    for (const withPolka of [true, false]) {
      const e = new Harness(order[3]!);
      const a = block1(order[0]!, 0, 1);
      const b = block1(order[1]!, 1, 2);
      e.start();
      e.fire('start');
      e.message(proposal(0, a));
      for (const k of [order[0]!, order[1]!]) e.message(vote(k, 'prepare', 0, a));
      for (const k of [order[0]!, order[1]!]) e.message(vote(k, 'commit', 0, null));
      e.fire('commit', 0);
      e.message(proposal(1, b));
      const backers = withPolka ? [order[0]!, order[1]!, order[2]!] : [order[0]!, order[1]!];
      // Votes of round 1 arrive late, after we moved to round 2 (so the lock stays on a).
      for (const k of [order[0]!, order[1]!]) e.message(vote(k, 'commit', 1, null));
      e.fire('propose', 1);
      e.message(vote(order[2]!, 'prepare', 1, null));
      e.fire('prepare', 1);
      e.fire('commit', 1);
      assert.equal(e.engine.status().round, 2);
      assert.equal(e.engine.status().lock?.round, 0);
      for (const k of backers) e.message(vote(k, 'prepare', 1, b));
      e.message(proposal(2, b, 1));
      assert.equal(lastOwn(e, 'prepare', 2), withPolka ? hex(b) : undefined);
    }
  });

  test('a LEAG that missed the votes decides from a decision carrying a valid certificate, not from a forged one', () => {
    const e = new Harness(order[3]!);
    const a = block1(order[0]!, 0, 1);
    e.start();
    const commits = [order[0]!, order[1]!, order[2]!].map((k) => vote(k, 'commit', 0, a));
    const signatures = commits.flatMap((m) => (m.kind === 'vote' ? [m.vote] : []));
    const certificate = {
      height: 1,
      round: 0,
      blockHash: blockHash(a.header),
      signatures: signatures
        .map((v) => ({ voter: v.voter, signature: v.signature }))
        .sort((x, y) => compareBytes(x.voter, y.voter)),
    };
    e.message({
      kind: 'decision',
      block: a,
      certificate: { ...certificate, signatures: certificate.signatures.slice(0, 2) },
    });
    assert.equal(e.commits().length, 0);
    e.message({ kind: 'decision', block: a, certificate });
    assert.equal(e.commits().length, 1);
    assert.equal(hex(e.commits()[0]!.block), hex(a));
  });

  test('messages from a later height make the engine ask to sync, once per height', () => {
    const e = new Harness(order[3]!);
    e.start();
    const ahead = (round: number) => ({
      kind: 'vote' as const,
      vote: signVote(genesis.chainId, { type: 'prepare', height: 3, round, blockHash: null }, order[0]!),
    });
    const behind = [...e.message(ahead(0)), ...e.message(ahead(1))].filter((x) => x.type === 'behind');
    assert.equal(behind.length, 1);
    assert.equal(behind[0]?.type === 'behind' && behind[0].height, 3);
  });

  test('local policy can withhold a prepare vote, but never a lock or decision a quorum backs', () => {
    const e = new Harness(order[3]!);
    e.chain.acceptable = () => ({ ok: false, reason: 'omits evidence' });
    const a = block1(order[0]!, 0, 1);
    e.start();
    e.fire('start');
    e.message(proposal(0, a));
    assert.equal(lastOwn(e, 'prepare', 0), 'nil');
    for (const k of [order[0]!, order[1]!, order[2]!]) e.message(vote(k, 'prepare', 0, a));
    assert.equal(lastOwn(e, 'commit', 0), hex(a));
    for (const k of [order[0]!, order[1]!]) e.message(vote(k, 'commit', 0, a));
    assert.equal(e.commits().length, 1);
  });

  test('a prepare quorum seen after its round makes the block the one to re-propose, without locking', () => {
    const e = new Harness(order[3]!);
    const a = block1(order[0]!, 0, 1);
    e.start();
    e.fire('start');
    // More than 1/3 of the weight in round 1 pulls us there before round 0's messages arrive.
    for (const k of [order[0]!, order[1]!]) e.message(vote(k, 'prepare', 1, null));
    assert.equal(e.engine.status().round, 1);
    e.message(proposal(0, a));
    for (const k of [order[0]!, order[1]!, order[2]!]) e.message(vote(k, 'prepare', 0, a));
    assert.equal(e.engine.status().lock, null);
    for (const k of [order[0]!, order[1]!]) e.message(vote(k, 'prepare', 3, null));
    const mine = e.sent().filter((m) => m.kind === 'proposal' && m.round === 3);
    assert.equal(mine.length, 1);
    const p = mine[0]!;
    assert.ok(p.kind === 'proposal' && p.validRound === 0 && hex(p.block) === hex(a));
  });

  test('conflicting votes of one LEAG become evidence, once', () => {
    const e = new Harness(order[3]!);
    const a = block1(order[0]!, 0, 1);
    e.start();
    e.message(vote(order[1]!, 'prepare', 0, a));
    e.message(vote(order[1]!, 'prepare', 0, null));
    e.message(vote(order[1]!, 'prepare', 0, block1(order[0]!, 0, 9)));
    const evidence = e.actions.filter((x) => x.type === 'evidence');
    assert.equal(evidence.length, 1);
  });

  test('a conflicting vote that arrives after the decision still becomes evidence', () => {
    const e = new Harness(order[3]!);
    const a = block1(order[0]!, 0, 1);
    e.start();
    e.message(proposal(0, a));
    for (const k of [order[0]!, order[1]!, order[2]!]) e.message(vote(k, 'prepare', 0, a));
    for (const k of [order[0]!, order[1]!, order[2]!]) e.message(vote(k, 'commit', 0, a));
    const [decided] = e.commits();
    assert.ok(decided, 'height 1 is decided');
    e.chain.commit(decided.block, decided.certificate);
    e.start(decided.certificate);
    assert.equal(e.engine.status().height, 2);
    // LEAG 1's nil prepare for height 1 (its other version) reaches us only now.
    e.message(vote(order[1]!, 'prepare', 0, null));
    e.message(vote(order[2]!, 'prepare', 0, a));
    const evidence = e.actions.filter((x) => x.type === 'evidence');
    assert.equal(evidence.length, 1);
    const [ev] = evidence;
    assert.ok(ev?.type === 'evidence' && compareBytes(ev.first.voter, order[1]!.publicKey) === 0);
    assert.equal(ev.first.height, 1);
  });

  test('a restarted LEAG never signs a vote conflicting with one it signed before the crash', () => {
    const blocks = [0, 1, 2, 3].flatMap((r) => [block1(order[r]!, r, 10 + r), block1(order[r]!, r, 20 + r)]);
    const others = [order[0]!, order[1]!, order[2]!];
    const event = fc.oneof(
      fc.record({
        kind: fc.constant('proposal' as const),
        round: fc.integer({ min: 0, max: 3 }),
        alt: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('vote' as const),
        who: fc.integer({ min: 0, max: 2 }),
        type: fc.constantFrom('prepare' as const, 'commit' as const),
        round: fc.integer({ min: 0, max: 3 }),
        target: fc.integer({ min: -1, max: 7 }),
      }),
      fc.record({
        kind: fc.constant('timeout' as const),
        step: fc.constantFrom('start' as const, 'propose' as const, 'prepare' as const, 'commit' as const),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 60 }),
        fc.nat(60),
        fc.boolean(),
        (events, crashAt, midBatch) => {
          let e = new Harness(order[3]!);
          const signed = new Map<string, string>();
          let disk: SigningState | null = null;
          const record = (actions: EngineAction[], crashInBatch: boolean) => {
            for (const a of actions) {
              if (a.type === 'persist') {
                disk = a.state;
                if (crashInBatch) return;
              }
              if (
                a.type === 'broadcast' &&
                a.message.kind === 'vote' &&
                compareBytes(a.message.vote.voter, e.key.publicKey) === 0
              ) {
                const v = a.message.vote;
                const id = `${v.height}:${v.round}:${v.type}`;
                const target = v.blockHash === null ? 'nil' : toHex(v.blockHash);
                const before = signed.get(id);
                assert.ok(before === undefined || before === target, `double sign at ${id}`);
                signed.set(id, target);
              }
            }
          };
          record(e.start(), false);
          events.forEach((ev, i) => {
            const crashing = i === crashAt;
            let actions: EngineAction[];
            if (ev.kind === 'proposal')
              actions = e.message(proposal(ev.round, blocks[ev.round * 2 + (ev.alt ? 1 : 0)]!));
            else if (ev.kind === 'vote') {
              const target = ev.target < 0 ? null : blocks[ev.target]!;
              actions = e.message(vote(others[ev.who]!, ev.type, ev.round, target));
            } else actions = e.fire(ev.step);
            record(actions, crashing && midBatch);
            if (crashing) {
              e = new Harness(order[3]!, disk);
              record(e.start(), false);
            }
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
