import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signMessage, toHex } from '@v2g/core';
import { createChainMempool } from '../src/chain/chainMempool.ts';
import { ChainExecutor } from '../src/chain/executor.ts';
import { MemoryChainStorage } from '../src/chain/memoryChainStorage.ts';
import { ConsensusDriver } from '../src/driver/driver.ts';
import type { Clock, SigningState } from '../src/interface.ts';
import { leaderOf } from '../src/leader.ts';
import { selectCommittee } from '../src/selectCommittee.ts';
import { cachedVoteVerifier } from '../src/voteVerifier.ts';
import { genesis, keys, params, rules } from './fixtures.ts';

/** Timers that fire only when the test says so. */
class ManualClock implements Clock {
  time = 0;
  private timers: { at: number; fire: () => void; live: boolean }[] = [];
  now(): number {
    return this.time;
  }
  setTimer(delayMs: number, fire: () => void): () => void {
    const t = { at: this.time + delayMs, fire, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  }
  /** Moves time forward, firing each due timer at its own time. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.time = due.at;
      due.fire();
    }
    this.time = end;
  }
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

const committee = (() => {
  const s = selectCommittee(new MemoryChainStorage(genesis).state, params);
  if (!s.ok) throw new Error(s.reason);
  return s.committee;
})();
const leaderKey = leaderOf(committee, 1, 0, params.leaderPolicy).publicKey;
const leader = keys.find((k) => toHex(k.publicKey) === toHex(leaderKey))!;

function driverWith(
  save: (s: SigningState) => void | Promise<void>,
  log: string[],
  clock = new ManualClock(),
) {
  const storage = new MemoryChainStorage(genesis);
  const verifyVote = cachedVoteVerifier();
  const mempool = createChainMempool(genesis, { maxTxs: 100, maxBytes: 1 << 20 }, rules);
  const executor = new ChainExecutor({
    storage,
    genesis,
    rules,
    mempool,
    proposer: leader.publicKey,
    now: () => genesis.genesisTime + clock.now(),
    verifyVote,
    lastCertificate: null,
  });
  const halted: string[] = [];
  const syncRequests: string[] = [];
  const driver = new ConsensusDriver({
    chainId: genesis.chainId,
    params,
    signer: { publicKey: leader.publicKey, sign: (p) => signMessage(leader.secretKey, p) },
    executor,
    restored: null,
    signingStore: { save },
    network: {
      broadcast: (m) => log.push(`broadcast ${m.kind}`),
      sendTo: (_to, m) => log.push(`send ${m.kind}`),
      announce: () => log.push('announce'),
    },
    clock,
    sync: { request: (peer, from) => syncRequests.push(`${toHex(peer).slice(0, 8)}@${from}`) },
    submitEvidence: () => undefined,
    verifyVote,
    observer: { halted: (reason) => halted.push(reason) },
  });
  return { driver, clock, halted, syncRequests };
}

describe('ConsensusDriver', () => {
  test('a proposal leaves only after the signing state that covers it is durable', async () => {
    const log: string[] = [];
    let release: () => void = () => undefined;
    const { driver, clock } = driverWith((s) => {
      log.push(`persist ${s.step}`);
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    }, log);
    driver.start();
    clock.advance(params.blockIntervalMs);
    assert.deepEqual(log, ['persist propose'], 'nothing is sent while the write is pending');
    release();
    await new Promise((r) => setImmediate(r));
    assert.equal(log[0], 'persist propose');
    assert.equal(log[1], 'broadcast proposal');
    // The leader prepares its own block next: again persist first, then the vote.
    const prepare = log.indexOf('persist prepare');
    assert.ok(prepare > 1);
    assert.equal(
      log.slice(prepare + 1).includes('broadcast vote'),
      false,
      'the prepare vote waits for its write',
    );
    release();
    await new Promise((r) => setImmediate(r));
    assert.equal(log[prepare + 1], 'broadcast vote');
    await driver.stop();
  });

  test('a failed write of the signing state halts consensus, and nothing it covers is ever sent', async () => {
    const log: string[] = [];
    const { driver, clock, halted } = driverWith(() => Promise.reject(new Error('disk full')), log);
    driver.start();
    clock.advance(params.blockIntervalMs);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(halted, ['disk full']);
    assert.deepEqual(driver.state, { kind: 'halted', reason: 'disk full' });
    assert.deepEqual(log, [], 'no proposal, no vote');
    assert.equal(clock.pending, 0, 'every timer is cancelled');
    // Later re-sends and timeouts never happen: the engine gets no more input.
    clock.advance(60_000);
    assert.deepEqual(log, []);
    await driver.stop();
  });

  test('at start the engine signs nothing until the peers asked for newer blocks have answered', async () => {
    const log: string[] = [];
    const { driver, clock, syncRequests } = driverWith((s) => {
      log.push(`persist ${s.step}`);
    }, log);
    const peer = keys.find((k) => k !== leader)!;
    driver.start([peer.publicKey]);
    assert.deepEqual(syncRequests, [`${toHex(peer.publicKey).slice(0, 8)}@1`]);
    clock.advance(2 * params.blockIntervalMs);
    assert.deepEqual(log, [], 'the leader does not propose while it may be behind');
    driver.receiveBlocks(peer.publicKey, [], 'sync');
    clock.advance(params.blockIntervalMs);
    assert.equal(log[0], 'persist propose');
    await driver.stop();
  });

  test('a sync request that gets no answer is retried on a timer, from the next LEAG, with backoff', async () => {
    const log: string[] = [];
    const { driver, clock, syncRequests } = driverWith(() => undefined, log);
    driver.start();
    const [a, b] = keys.filter((k) => k !== leader);
    driver.receiveAhead(a!.publicKey, 10);
    driver.receiveAhead(b!.publicKey, 10);
    assert.deepEqual(syncRequests, [`${toHex(a!.publicKey).slice(0, 8)}@1`]);
    clock.advance(3_000); // the request times out
    clock.advance(500); // first backoff
    assert.equal(syncRequests.length, 2);
    assert.equal(syncRequests[1], `${toHex(b!.publicKey).slice(0, 8)}@1`);
    clock.advance(3_000 + 999);
    assert.equal(syncRequests.length, 2, 'the second pause is longer');
    clock.advance(1);
    assert.equal(syncRequests.length, 3);
    await driver.stop();
  });
});
