import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ChainExecutor,
  cachedVoteVerifier,
  certificateFrom,
  consensusRules,
  createChainMempool,
} from '@v2g/consensus';
import {
  blockHash,
  type CommitCertificate,
  combineRules,
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  type Genesis,
  generateKeyPair,
  ledgerRules,
  marketRules,
  signVote,
  toHex,
} from '@v2g/core';
import { ChainStore } from '../src/storage/chainStore.ts';

/** One LEAG (a committee of one) making real certified blocks into a real LevelDB store; windows of 3 blocks. */
async function oneLeagChain() {
  const leag = generateKeyPair();
  const other = generateKeyPair();
  const genesis: Genesis = {
    chainId: 'v2g-test-leag-history',
    genesisTime: 0,
    raKey: generateKeyPair().publicKey,
    gridOperatorKey: generateKeyPair().publicKey,
    leags: [
      { publicKey: leag.publicKey, name: 'leag-0', reputationPpm: 900_000 },
      { publicKey: other.publicKey, name: 'leag-1', reputationPpm: 50_000 },
    ],
    params: {
      consensus: { ...defaultConsensusParams, committeeSize: 1 },
      market: { ...defaultMarketParams, windowBlocks: 3, settlementWindows: 1 },
      evReputation: defaultEvReputationParams,
    },
    allocations: [],
  };
  const dir = await mkdtemp(join(tmpdir(), 'v2g-leag-history-'));
  let chain = await ChainStore.open(dir, genesis);
  const verifyVote = cachedVoteVerifier();
  const executor = () =>
    new ChainExecutor({
      storage: chain,
      genesis,
      rules: combineRules(ledgerRules, marketRules, consensusRules({ verifyVote })),
      mempool: createChainMempool(genesis, { maxTxs: 10, maxBytes: 1 << 20 }),
      proposer: leag.publicKey,
      now: () => chain.head.height * 1000 + 1,
      verifyVote,
      lastCertificate: null,
    });
  let last: CommitCertificate | null = null;
  let exec = executor();
  return {
    genesis,
    leag,
    get chain() {
      return chain;
    },
    async next() {
      const height = chain.head.height + 1;
      const block = exec.propose(height, 0, last);
      const vote = { type: 'commit' as const, height, round: 0, blockHash: blockHash(block.header) };
      last = certificateFrom([signVote(genesis.chainId, vote, leag)]);
      await exec.commit(block, last);
      await chain.leagHistory.observe(chain.state, genesis, block);
    },
    async reopen() {
      await chain.close();
      chain = await ChainStore.open(dir, genesis);
      exec = executor();
    },
    async close() {
      await chain.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('each closed window keeps its LEAG reputations, committee and leader, across a restart', async (t) => {
  const c = await oneLeagChain();
  t.after(() => c.close());
  for (let i = 0; i < 7; i++) await c.next();
  // Heights 3 and 6 close windows 0 and 1; height 7 opens window 2.
  const records = await c.chain.leagHistory.range(0, 5, 100);
  assert.deepEqual(
    records.map((r) => [r.window, r.height]),
    [
      [0, 3],
      [1, 6],
    ],
  );
  const key = toHex(c.leag.publicKey);
  for (const r of records) {
    assert.equal(r.leader, key);
    assert.deepEqual(
      r.committee.map((m) => m.publicKey),
      [key],
      'the committee of one that decided the closing block',
    );
    assert.deepEqual(r.leags.map((l) => l.name).sort(), ['leag-0', 'leag-1']);
  }
  const repOf = (w: number) => records[w]!.leags.find((l) => l.name === 'leag-0')!.reputationPpm;
  assert.ok(repOf(1) > repOf(0), 'the signing leader gains between windows');
  assert.equal(records[0]!.committee[0]!.weightPpm > 0, true);

  await c.reopen();
  assert.deepEqual(
    (await c.chain.leagHistory.range(1, 1, 100)).map((r) => r.height),
    [6],
    'records survive a reopen',
  );
  assert.deepEqual(await c.chain.leagHistory.range(2, 9, 100), [], 'no record for a window not closed');
});
