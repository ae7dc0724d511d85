import {
  type ConsensusParams,
  compareBytes,
  Keys,
  type LeagRecord,
  leagCodec,
  MAX_COMMITTEE,
  type StateReader,
  StateView,
} from '@v2g/core';
import { isQuorum } from './quorum.ts';

export interface CommitteeMember {
  readonly publicKey: Uint8Array;
  /** Vote weight = reputation in ppm at selection time. */
  readonly weight: number;
}

/** The committee for one height, in leader order: reputation desc, public key asc. */
export interface Committee {
  readonly members: readonly CommitteeMember[];
  readonly totalWeight: number;
}

export type CommitteeSelection =
  | { readonly ok: true; readonly committee: Committee }
  | { readonly ok: false; readonly reason: string };

/** Orders LEAGs by (reputation desc, public key asc): the one total order used for committees and leaders. */
export function compareByReputation(
  a: { reputationPpm: number; publicKey: Uint8Array },
  b: { reputationPpm: number; publicKey: Uint8Array },
): number {
  if (a.reputationPpm !== b.reputationPpm) return b.reputationPpm - a.reputationPpm;
  return compareBytes(a.publicKey, b.publicKey);
}

/**
 * DESIGN §5: the committee for height h comes from the state at h − 1: LEAGs
 * with R ≥ R_min, the top k by (R desc, id asc), weight = R. k = 0 means all
 * eligible LEAGs; k larger than the eligible set takes all of them. When no
 * committee could ever reach a quorum the chain halts, and says why.
 */
export function selectCommitteeFrom(
  leags: readonly LeagRecord[],
  params: ConsensusParams,
): CommitteeSelection {
  const eligible = leags.filter((l) => l.reputationPpm >= params.rMinPpm).sort(compareByReputation);
  const k = params.committeeSize === 0 ? eligible.length : Math.min(params.committeeSize, eligible.length);
  const chosen = eligible.slice(0, Math.min(k, MAX_COMMITTEE));
  if (chosen.length === 0) {
    return {
      ok: false,
      reason: `no LEAG has reputation at or above R_min (${params.rMinPpm} ppm) among ${leags.length} registered; a reinstate is needed`,
    };
  }
  const members = chosen.map((l) => ({ publicKey: l.publicKey, weight: l.reputationPpm }));
  const totalWeight = members.reduce((s, m) => s + m.weight, 0);
  if (!isQuorum(totalWeight, totalWeight)) {
    return { ok: false, reason: `the ${members.length} eligible LEAGs have zero total reputation weight` };
  }
  return { ok: true, committee: { members, totalWeight } };
}

export function readLeags(state: StateReader): LeagRecord[] {
  const view = new StateView(state);
  return state.scan(Keys.leagBucket).map(([key]) => {
    const record = view.read(leagCodec, key);
    if (!record) throw new RangeError(`missing LEAG record ${key}`);
    return record;
  });
}

/** The committee for the height after the state's tip. */
export function selectCommittee(state: StateReader, params: ConsensusParams): CommitteeSelection {
  return selectCommitteeFrom(readLeags(state), params);
}

export function memberIndex(committee: Committee, key: Uint8Array): number {
  return committee.members.findIndex((m) => compareBytes(m.publicKey, key) === 0);
}

export function weightOf(committee: Committee, key: Uint8Array): number {
  const i = memberIndex(committee, key);
  return i < 0 ? 0 : committee.members[i]!.weight;
}
