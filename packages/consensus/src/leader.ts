import { type LeaderPolicy, sha256, utf8 } from '@v2g/core';
import type { Committee, CommitteeMember } from './selectCommittee.ts';

const ROTATION_TAG = utf8('v2g/leader-rotation/v1');

/**
 * DESIGN §5: under 'top' the highest-reputation member leads round 0 and the
 * next one in (R desc, id asc) order leads each following round. Under
 * 'weighted-rotation' each (height, round) picks a member with probability
 * proportional to its weight, from a hash of (height, round): deterministic,
 * and no single slow leader stalls every height.
 */
export function leaderOf(
  committee: Committee,
  height: number,
  round: number,
  policy: LeaderPolicy,
): CommitteeMember {
  const members = committee.members;
  if (members.length === 0) throw new RangeError('empty committee');
  if (policy === 'top') return members[round % members.length]!;
  const seed = new Uint8Array(16);
  const dv = new DataView(seed.buffer);
  dv.setBigUint64(0, BigInt(height));
  dv.setBigUint64(8, BigInt(round));
  const digest = sha256(ROTATION_TAG, seed);
  // 48 bits of the digest, reduced modulo the total weight (≤ 2^28): the bias is below 2^-20.
  const draw =
    new DataView(digest.buffer, digest.byteOffset, 8).getUint32(0) * 65536 + (digest[4]! << 8) + digest[5]!;
  let point = draw % committee.totalWeight;
  for (const m of members) {
    if (point < m.weight) return m;
    point -= m.weight;
  }
  return members[members.length - 1]!;
}
