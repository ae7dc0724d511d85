import {
  evAccountCodec,
  isUntrusted,
  Keys,
  leagCodec,
  reinstateEvReputation,
  type TxContext,
  TxError,
  type TxRule,
  toHex,
  uint,
} from '@v2g/core';
import { isQuorum } from '../quorum.ts';
import { weightOf } from '../selectCommittee.ts';
import { ConsensusKeys, committeeCodec } from './committeeRecord.ts';

/**
 * DESIGN §4 and seed 3.2.3 ("cannot recover without other users' consent"):
 * a reinstate lifts a LEAG that fell below R_min back to R_min, or an EV
 * account's roles that fell below R_min to R_min (R then by eq. 3.1),
 * approved by witnesses weighing more than 2/3 of the committee of `height`. Witnesses sign the transaction (Domain.tx over its id, which
 * covers target, role and height); the committee of `height` must still be
 * in state (the last COMMITTEE_HISTORY heights), which bounds an approval's
 * life, and each (role, target, height) is used once.
 */
export const reinstateRule: TxRule = {
  signers: () => [],
  extraWitnesses: true,
  apply: (ctx: TxContext) => {
    const body = ctx.tx.body;
    if (body.kind !== 'reinstate') throw new TypeError('reinstate rule got another kind');
    if (ctx.tx.inputs.length > 0 || ctx.tx.outputs.length > 0) {
      throw new TxError('unexpected-value', 'a reinstate moves no tokens');
    }
    if (body.height >= ctx.header.height) {
      throw new TxError(
        'invalid-reinstate',
        `approvals must name a committed height below ${ctx.header.height}`,
      );
    }
    const committee = ctx.view.read(committeeCodec, ConsensusKeys.committee(body.height));
    if (!committee)
      throw new TxError('expired', `no committee of height ${body.height} is kept; approve again`);
    let weight = 0;
    for (const w of ctx.tx.witnesses) {
      if (!committee.members.some((m) => Buffer.compare(m.publicKey, w.publicKey) === 0)) {
        throw new TxError(
          'not-committee',
          `witness ${toHex(w.publicKey)} is not in the committee of ${body.height}`,
        );
      }
      weight += weightOf(committee, w.publicKey);
    }
    if (!isQuorum(weight, committee.totalWeight)) {
      throw new TxError(
        'no-quorum',
        `approvals weigh ${weight} of ${committee.totalWeight}; more than 2/3 needed`,
      );
    }
    const used = ConsensusKeys.reinstated(body.role, toHex(body.target), body.height);
    if (ctx.view.has(used)) throw new TxError('duplicate', 'this reinstate was already applied');
    ctx.view.write(uint, used, ctx.header.height);

    if (body.role === 'leag') {
      const key = Keys.leag(body.target);
      const leag = ctx.view.read(leagCodec, key);
      if (!leag) throw new TxError('unregistered', `LEAG ${toHex(body.target)} is not registered`);
      const rMin = ctx.genesis.params.consensus.rMinPpm;
      if (leag.reputationPpm >= rMin) throw new TxError('not-below-minimum', 'the LEAG is not below R_min');
      ctx.view.write(leagCodec, key, { ...leag, reputationPpm: rMin });
      return;
    }
    const key = Keys.ev(body.target);
    const account = ctx.view.read(evAccountCodec, key);
    if (!account) throw new TxError('unregistered', `EV ${toHex(body.target)} is not registered`);
    // Decision 0008: an account is untrusted per role; the roles below R_min are lifted to it and R is
    // recomputed by eq. 3.1 (not set to R_min, which eq. 3.1 need not give).
    const p = ctx.genesis.params.evReputation;
    if (!isUntrusted(account.reputation, p)) {
      throw new TxError('not-below-minimum', 'neither R_ES nor R_EB of the account is below R_min');
    }
    ctx.view.write(evAccountCodec, key, {
      ...account,
      reputation: reinstateEvReputation(account.reputation, p),
    });
  },
};
