import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChainExecutor, cachedVoteVerifier, chainRules, createChainMempool } from '@v2g/consensus';
import {
  type Block,
  blockHash,
  buildBlock,
  type CommitCertificate,
  compareBytes,
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  encodeTx,
  type Genesis,
  keyPairFromSeed,
  sha256,
  signVote,
  type Tx,
  utf8,
} from '@v2g/core';
import { ChainStore } from '../src/storage/chainStore.ts';

const leags = [0, 1, 2, 3].map((i) => keyPairFromSeed(sha256(utf8(`evidence-leag-${i}`))));
const genesis: Genesis = {
  chainId: 'evidence-test',
  genesisTime: 0,
  raKey: leags[0]!.publicKey,
  gridOperatorKey: leags[0]!.publicKey,
  leags: leags.map((k, i) => ({ publicKey: k.publicKey, name: `leag-${i}`, reputationPpm: 500_000 })),
  params: {
    consensus: defaultConsensusParams,
    market: defaultMarketParams,
    evReputation: defaultEvReputationParams,
  },
  allocations: [],
};

function certify(block: Block): CommitCertificate {
  const hash = blockHash(block.header);
  const signatures = leags
    .map((k) =>
      signVote(
        genesis.chainId,
        { type: 'commit', height: block.header.height, round: 0, blockHash: hash },
        k,
      ),
    )
    .map((v) => ({ voter: v.voter, signature: v.signature }))
    .sort((a, b) => compareBytes(a.voter, b.voter));
  return { height: block.header.height, round: 0, blockHash: hash, signatures };
}

test('a prepare vote refuses a proposal that omits evidence held since before the parent block', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-evidence-'));
  const chain = await ChainStore.open(dir, genesis);
  try {
    const mempool = createChainMempool(genesis, { maxTxs: 100, maxBytes: 1 << 20 });
    const rules = chainRules();
    const processor = new ChainExecutor({
      storage: chain,
      genesis,
      rules,
      mempool,
      proposer: leags[0]!.publicKey,
      now: () => Date.now(),
      verifyVote: cachedVoteVerifier(),
      lastCertificate: null,
    });
    const b1 = processor.propose(1, 0, null);
    const c1 = certify(b1);
    await processor.commit(b1, c1);

    // LEAG 1 signed two different prepares at height 1: the evidence reaches this LEAG's mempool at height 1.
    const vote = (hash: Uint8Array) =>
      signVote(genesis.chainId, { type: 'prepare', height: 1, round: 0, blockHash: hash }, leags[1]!);
    const evidence: Tx = {
      version: 1,
      chainId: genesis.chainId,
      inputs: [],
      outputs: [],
      lockTime: 0,
      body: { kind: 'evidence', first: vote(sha256(utf8('a'))), second: vote(sha256(utf8('b'))) },
      witnesses: [],
    };
    assert.equal(mempool.addBytes(encodeTx(evidence), chain.state, 0).ok, true);

    const emptyBlock = (height: number, lastCommit: CommitCertificate) =>
      buildBlock(
        chain.state,
        { height, round: 0, timestamp: height, proposer: leags[0]!.publicKey, lastCommit },
        [],
        { genesis, rules, parentHash: chain.head.hash },
      ).block;

    // Held since height 1: a proposal for height 2 may still omit it.
    const b2 = emptyBlock(2, c1);
    assert.deepEqual(processor.acceptable(b2), { ok: true });
    await processor.commit(b2, certify(b2));

    // At height 3 it has been held since before the parent: omitting it is refused, carrying it is fine.
    const without = emptyBlock(3, certify(b2));
    const refused = processor.acceptable(without);
    assert.equal(refused.ok, false);
    const withEvidence = processor.propose(3, 0, certify(b2));
    assert.equal(withEvidence.txs.filter((t) => t.body.kind === 'evidence').length, 1);
    assert.deepEqual(processor.acceptable(withEvidence), { ok: true });
  } finally {
    await chain.close();
    await rm(dir, { recursive: true, force: true });
  }
});
