import { blockHash, bytesEqual, sha256, signMessage, signVote, utf8 } from '@v2g/core';
import { type ConsensusMessage, type Proposal, proposalSigningPayload } from '../messages.ts';
import type { Prng } from './prng.ts';
import type { SimNode } from './simNode.ts';

export const BEHAVIOURS = [
  'equivocate-leader',
  'equivocate-voter',
  'invalid-proposal',
  'withhold',
  'stale-spam',
] as const;
export type Behaviour = 'honest' | (typeof BEHAVIOURS)[number];

/** Sends one message; `extraDelayMs` (gossip only) shows some nodes this version later than others. */
export type Emit = (message: ConsensusMessage, extraDelayMs?: (to: number) => number) => void;

function resign(node: SimNode, p: Proposal): Proposal {
  const { key, genesis } = node.cfg;
  const payload = proposalSigningPayload(genesis.chainId, { ...p, blockHash: blockHash(p.block.header) });
  return { ...p, proposer: key.publicKey, signature: signMessage(key.secretKey, payload) };
}

/** Equivocation as gossip makes it look: each half of the network sees one version first and the other later. */
function split(rng: Prng, out: Emit, a: ConsensusMessage, b: ConsensusMessage): void {
  const late = 40 + rng.int(200);
  out(a, (to) => (to % 2 === 0 ? 0 : late));
  out(b, (to) => (to % 2 === 0 ? late : 0));
}

/**
 * A LEAG's outgoing consensus message, bent by its behaviour. Honest LEAGs
 * (and the spammer, whose spam is scheduled separately) send it as it is;
 * messages signed by others (relays) always pass unchanged.
 */
export function misbehave(node: SimNode, rng: Prng, m: ConsensusMessage, direct: boolean, out: Emit): void {
  const me = node.cfg.key.publicKey;
  const own =
    m.kind === 'vote' ? bytesEqual(m.vote.voter, me) : m.kind === 'proposal' && bytesEqual(m.proposer, me);
  const { genesis, key } = node.cfg;
  switch (own ? node.cfg.behaviour : 'honest') {
    case 'honest':
    case 'stale-spam':
      out(m);
      return;
    case 'withhold':
      return;
    case 'equivocate-voter': {
      if (direct || m.kind !== 'vote' || m.vote.blockHash === null) {
        out(m);
        return;
      }
      const other = signVote(genesis.chainId, { ...m.vote, blockHash: null }, key);
      split(rng, out, m, { kind: 'vote', vote: other });
      return;
    }
    case 'equivocate-leader': {
      if (direct || m.kind !== 'proposal' || m.validRound !== null) {
        out(m);
        return;
      }
      node.timeSkewMs = 1;
      const alt = node.executor.propose(m.height, m.round, m.block.lastCommit);
      node.timeSkewMs = 0;
      const b = resign(node, { ...m, block: alt });
      split(rng, out, m, { kind: 'proposal', ...b });
      const prepare = (block: typeof alt) =>
        signVote(
          genesis.chainId,
          { type: 'prepare', height: m.height, round: m.round, blockHash: blockHash(block.header) },
          key,
        );
      split(rng, out, { kind: 'vote', vote: prepare(m.block) }, { kind: 'vote', vote: prepare(alt) });
      return;
    }
    case 'invalid-proposal': {
      if (m.kind !== 'proposal') {
        out(m);
        return;
      }
      const header = { ...m.block.header, stateRoot: sha256(utf8(`bad-${m.height}-${m.round}`)) };
      out({ kind: 'proposal', ...resign(node, { ...m, block: { ...m.block, header } }) });
      return;
    }
  }
}
