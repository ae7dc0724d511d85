import { ConsensusKeys, committeeCodec, readLeags } from '@v2g/consensus';
import { type Block, type Genesis, type StateReader, StateView, toHex, utf8, windowOf } from '@v2g/core';
import { Bucket } from './buckets.ts';
import { type Db, Repository, u64 } from './repository.ts';

/** The LEAGs as one market window's closing block left them. */
export interface LeagWindowRecord {
  readonly window: number;
  /** The window's closing block: its height, time, leader (proposer) and round. */
  readonly height: number;
  readonly timestamp: number;
  readonly leader: string;
  readonly round: number;
  /** The committee that decided the closing block, with each member's vote weight (its reputation then). */
  readonly committee: readonly { readonly publicKey: string; readonly weightPpm: number }[];
  /** Every registered LEAG's reputation once the closing block was applied. */
  readonly leags: readonly {
    readonly publicKey: string;
    readonly name: string;
    readonly reputationPpm: number;
  }[];
}

/** The record for `block` when it closes a market window, read from the state it produced; else null. */
export function leagWindowRecord(
  state: StateReader,
  genesis: Genesis,
  block: Block,
): LeagWindowRecord | null {
  const { height, timestamp, proposer, round } = block.header;
  const window = windowOf(height, genesis);
  if (windowOf(height + 1, genesis) === window) return null;
  const committee = new StateView(state).read(committeeCodec, ConsensusKeys.committee(height));
  return {
    window,
    height,
    timestamp,
    leader: toHex(proposer),
    round,
    committee: (committee?.members ?? []).map((m) => ({
      publicKey: toHex(m.publicKey),
      weightPpm: m.weight,
    })),
    leags: readLeags(state).map((l) => ({
      publicKey: toHex(l.publicKey),
      name: l.name,
      reputationPpm: l.reputationPpm,
    })),
  };
}

/**
 * Every LEAG's reputation, the committee and the leader at the close of each
 * market window: the history researchers and operators chart (consensus
 * state keeps committees for only `COMMITTEE_HISTORY` heights, and LEAG
 * reputations only as they are now). A local index, written after the
 * block's own batch and without fsync: a crash in between may leave one
 * window without a record, and a LEAG that syncs the chain writes the same
 * records as one that decided it.
 */
export class LeagHistory {
  private readonly db: Db;
  private readonly repo: Repository<number, LeagWindowRecord>;

  constructor(db: Db) {
    this.db = db;
    this.repo = new Repository(db, Bucket.leagHistory, {
      encodeKey: u64,
      encodeValue: (r: LeagWindowRecord) => utf8(JSON.stringify(r)),
      decodeValue: (b) => JSON.parse(Buffer.from(b).toString('utf8')) as LeagWindowRecord,
    });
  }

  /** Records `block`'s window when the block closes one (a no-op for every other block). */
  async observe(state: StateReader, genesis: Genesis, block: Block): Promise<void> {
    const record = leagWindowRecord(state, genesis, block);
    if (record === null) return;
    await this.db.batch([this.repo.putOp(record.window, record)], { sync: false });
  }

  /** The records of windows `from` to `to` (both included) that exist, oldest first, at most `limit`. */
  range(from: number, to: number, limit: number): Promise<LeagWindowRecord[]> {
    return this.repo.between(from, to, limit);
  }
}
