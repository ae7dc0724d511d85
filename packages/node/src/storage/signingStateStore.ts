import type { SigningState, SigningStateStore } from '@v2g/consensus';
import { decode, encode, hash32, list, nullable, oneOf, signedVoteCodec, struct, uint } from '@v2g/core';
import type { Repository } from './repository.ts';

const signingStateCodec = struct<SigningState>({
  height: uint,
  round: uint,
  step: oneOf(['propose', 'prepare', 'commit']),
  lock: nullable(struct({ round: uint, blockHash: hash32 })),
  votes: list(signedVoteCodec, 1024),
});

const KEY = 'signing-state';

/** The consensus WAL bucket: the signing state is fsync'd before a vote leaves. */
export class LevelSigningStateStore implements SigningStateStore {
  private readonly repo: Repository<string, Uint8Array>;

  constructor(repo: Repository<string, Uint8Array>) {
    this.repo = repo;
  }

  async load(): Promise<SigningState | null> {
    const raw = await this.repo.get(KEY);
    return raw === undefined ? null : decode(signingStateCodec, raw, 1024 * 1024);
  }

  async save(state: SigningState): Promise<void> {
    await this.repo.put(KEY, encode(signingStateCodec, state));
  }
}
