import {
  blockCodec,
  type Codec,
  decode,
  encode,
  hash32,
  list,
  MAX_BLOCK_BYTES,
  nullable,
  oneOf,
  signedVoteCodec,
  struct,
  uint,
} from '@v2g/core';
import type { Lock, SigningState } from './interface.ts';

/** Votes kept per height in the signing state: two per round, so rounds up to this bound. */
const MAX_SIGNED_VOTES = 4096;

export const signingStateCodec: Codec<SigningState> = struct<SigningState>({
  height: uint,
  round: uint,
  step: oneOf(['propose', 'prepare', 'commit']),
  lock: nullable(struct<Lock>({ round: uint, blockHash: hash32 })),
  lockedBlock: nullable(blockCodec),
  polka: list(signedVoteCodec, 1024),
  votes: list(signedVoteCodec, MAX_SIGNED_VOTES),
});

/** Canonical bytes of the signing state, for the daemon's consensus WAL. */
export function encodeSigningState(state: SigningState): Uint8Array {
  return encode(signingStateCodec, state);
}

export function decodeSigningState(bytes: Uint8Array): SigningState {
  return decode(signingStateCodec, bytes, MAX_BLOCK_BYTES + 2 * 1024 * 1024);
}
