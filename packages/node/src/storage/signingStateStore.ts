import {
  decodeSigningState,
  encodeSigningState,
  type SigningState,
  type SigningStateStore,
} from '@v2g/consensus';
import type { Repository } from './repository.ts';

/** The one key of the consensus WAL bucket. */
export const SIGNING_STATE_KEY = 'signing-state';

/** The consensus WAL bucket: the signing state is fsync'd before a vote leaves. */
export class LevelSigningStateStore implements SigningStateStore {
  private readonly repo: Repository<string, Uint8Array>;

  constructor(repo: Repository<string, Uint8Array>) {
    this.repo = repo;
  }

  async load(): Promise<SigningState | null> {
    const raw = await this.repo.get(SIGNING_STATE_KEY);
    return raw === undefined ? null : decodeSigningState(raw);
  }

  async save(state: SigningState): Promise<void> {
    await this.repo.put(SIGNING_STATE_KEY, encodeSigningState(state));
  }
}
