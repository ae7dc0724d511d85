import {
  bytesEqual,
  Keys,
  leagCodec,
  type SignedVote,
  type TxContext,
  TxError,
  type TxRule,
  toHex,
  uint,
  verifyVote,
} from '@v2g/core';
import { ConsensusKeys } from './committeeRecord.ts';
import { clampPpm } from './reputation.ts';

function sameTarget(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b);
}

/**
 * DESIGN §5: two conflicting signed votes by one LEAG for the same (height,
 * round, step) are evidence; the chain records the offence, so the same
 * equivocation is punished once, and cuts the LEAG's reputation deeply.
 * Anyone may submit it: it needs no signature beyond the votes themselves.
 */
export const evidenceRule: TxRule = {
  signers: () => [],
  apply: (ctx: TxContext) => {
    if (ctx.tx.body.kind !== 'evidence') throw new TypeError('evidence rule got another kind');
    if (ctx.tx.inputs.length > 0 || ctx.tx.outputs.length > 0) {
      throw new TxError('unexpected-value', 'evidence moves no tokens');
    }
    const { first, second } = ctx.tx.body;
    checkConflict(first, second, ctx.genesis.chainId);
    if (first.height > ctx.header.height) {
      throw new TxError('invalid-evidence', `the votes are for height ${first.height}, after this block`);
    }
    const leagKey = Keys.leag(first.voter);
    const leag = ctx.view.read(leagCodec, leagKey);
    if (!leag) throw new TxError('unregistered', `LEAG ${toHex(first.voter)} is not registered`);
    const record = ConsensusKeys.evidence(toHex(first.voter), first.height, first.round, first.type);
    if (ctx.view.has(record))
      throw new TxError('duplicate-evidence', 'this equivocation is already punished');
    ctx.view.write(uint, record, ctx.header.height);
    const cut = ctx.genesis.params.consensus.evidenceCutPpm;
    ctx.view.write(leagCodec, leagKey, { ...leag, reputationPpm: clampPpm(leag.reputationPpm - cut) });
  },
};

export function checkConflict(first: SignedVote, second: SignedVote, chainId: string): void {
  if (!bytesEqual(first.voter, second.voter))
    throw new TxError('invalid-evidence', 'the votes have different voters');
  if (first.height !== second.height || first.round !== second.round || first.type !== second.type) {
    throw new TxError('invalid-evidence', 'the votes are for different (height, round, step)');
  }
  if (sameTarget(first.blockHash, second.blockHash)) throw new TxError('invalid-evidence', 'the votes agree');
  if (!verifyVote(chainId, first) || !verifyVote(chainId, second)) {
    throw new TxError('invalid-evidence', 'a vote signature does not verify');
  }
}
