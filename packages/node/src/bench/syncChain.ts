import { chainRules, leaderOf, selectCommittee } from '@v2g/consensus';
import {
  buildBlock,
  bytesEqual,
  type CommitCertificate,
  compareBytes,
  type Genesis,
  type KeyPair,
  signVote,
} from '@v2g/core';
import { ChainStore } from '../storage/chainStore.ts';

/**
 * Writes a chain of `count` blocks into a data directory through the real
 * state machine and store, each block proposed by its rightful leader and
 * certified by every committee member: what a LEAG would have after running
 * that long, made without waiting for consensus rounds.
 */
export async function writeChain(
  dir: string,
  genesis: Genesis,
  keys: readonly KeyPair[],
  count: number,
): Promise<void> {
  const chain = await ChainStore.open(dir, genesis);
  const rules = chainRules();
  let lastCommit: CommitCertificate | null = null;
  try {
    for (let h = chain.head.height + 1; h <= count; h++) {
      const selection = selectCommittee(chain.state, genesis.params.consensus);
      if (!selection.ok) throw new Error(selection.reason);
      const leader = leaderOf(selection.committee, h, 0, genesis.params.consensus.leaderPolicy);
      const built = buildBlock(
        chain.state,
        { height: h, round: 0, timestamp: genesis.genesisTime + h, proposer: leader.publicKey, lastCommit },
        [],
        { genesis, rules, parentHash: chain.head.hash },
      );
      const signatures = selection.committee.members
        .map((m) => keys.find((k) => bytesEqual(k.publicKey, m.publicKey))!)
        .map((k) =>
          signVote(genesis.chainId, { type: 'commit', height: h, round: 0, blockHash: built.hash }, k),
        )
        .map((v) => ({ voter: v.voter, signature: v.signature }))
        .sort((a, b) => compareBytes(a.voter, b.voter));
      const certificate: CommitCertificate = { height: h, round: 0, blockHash: built.hash, signatures };
      await chain.commit({ ...built, certificate });
      lastCommit = certificate;
    }
  } finally {
    await chain.close();
  }
}
