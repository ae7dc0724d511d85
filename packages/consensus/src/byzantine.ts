import {
  type Block,
  blockHash,
  bytesEqual,
  type KeyPair,
  sha256,
  signMessage,
  signVote,
  utf8,
} from '@v2g/core';
import { type ConsensusMessage, type Proposal, proposalSigningPayload } from './messages.ts';

export const BEHAVIOURS = [
  'equivocate-leader',
  'equivocate-voter',
  'invalid-proposal',
  'withhold',
  'stale-spam',
] as const;
export type Behaviour = 'honest' | (typeof BEHAVIOURS)[number];

/**
 * Sends one message. With `extraDelayMs`, receiver `to` (an index) gets it
 * that much later: some LEAGs see one version first and the rest the other.
 */
export type Emit = (message: ConsensusMessage, extraDelayMs?: (to: number) => number) => void;

/** What a Byzantine LEAG needs to misbehave: its key, and a way to build a second valid block. */
export interface ByzantineContext {
  readonly chainId: string;
  readonly key: KeyPair;
  readonly behaviour: Behaviour;
  /** A different valid block for the same height and round (e.g. another timestamp). */
  alternative(m: Proposal): Block;
  /** How much later the second half of the LEAGs sees the other version, in ms. */
  lateMs(): number;
}

function resign(ctx: ByzantineContext, p: Proposal): Proposal {
  const payload = proposalSigningPayload(ctx.chainId, { ...p, blockHash: blockHash(p.block.header) });
  return { ...p, proposer: ctx.key.publicKey, signature: signMessage(ctx.key.secretKey, payload) };
}

/** Equivocation as gossip makes it look: each half of the network sees one version first and the other later. */
function split(ctx: ByzantineContext, out: Emit, a: ConsensusMessage, b: ConsensusMessage): void {
  const late = ctx.lateMs();
  out(a, (to) => (to % 2 === 0 ? 0 : late));
  out(b, (to) => (to % 2 === 0 ? late : 0));
}

/**
 * A LEAG's outgoing consensus message, bent by its behaviour: the same code
 * for Byzantine LEAGs in the simulator and for Byzantine daemons in the
 * chaos harness (a test-only setting). Honest LEAGs (and the spammer, whose
 * spam is scheduled separately) send it as it is; messages signed by others
 * (relays) always pass unchanged.
 */
export function misbehave(ctx: ByzantineContext, m: ConsensusMessage, direct: boolean, out: Emit): void {
  const me = ctx.key.publicKey;
  const own =
    m.kind === 'vote' ? bytesEqual(m.vote.voter, me) : m.kind === 'proposal' && bytesEqual(m.proposer, me);
  const { chainId, key } = ctx;
  switch (own ? ctx.behaviour : 'honest') {
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
      const other = signVote(chainId, { ...m.vote, blockHash: null }, key);
      split(ctx, out, m, { kind: 'vote', vote: other });
      return;
    }
    case 'equivocate-leader': {
      if (direct || m.kind !== 'proposal' || m.validRound !== null) {
        out(m);
        return;
      }
      const alt = ctx.alternative(m);
      const b = resign(ctx, { ...m, block: alt });
      split(ctx, out, m, { kind: 'proposal', ...b });
      const prepare = (block: typeof alt) =>
        signVote(
          chainId,
          { type: 'prepare', height: m.height, round: m.round, blockHash: blockHash(block.header) },
          key,
        );
      split(ctx, out, { kind: 'vote', vote: prepare(m.block) }, { kind: 'vote', vote: prepare(alt) });
      return;
    }
    case 'invalid-proposal': {
      if (m.kind !== 'proposal') {
        out(m);
        return;
      }
      const header = { ...m.block.header, stateRoot: sha256(utf8(`bad-${m.height}-${m.round}`)) };
      out({ kind: 'proposal', ...resign(ctx, { ...m, block: { ...m.block, header } }) });
      return;
    }
  }
}
