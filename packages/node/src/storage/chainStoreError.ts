import { CodedError } from '@v2g/core';

/**
 * Why a data directory cannot be served. Every code means the LEAG must not
 * start on it as it is: the operator moves the directory away and the LEAG
 * re-syncs into a clean one (README, "Recovering a damaged store").
 */
export type ChainStoreErrorType =
  /** The directory is not empty but holds no LevelDB database LevelDB could open without recreating it. */
  | { code: 'not-a-store'; dir: string }
  /** `v2g store check` on a directory that does not exist or is empty. */
  | { code: 'no-store'; dir: string }
  /** Another process (a running LEAG) holds the database lock. */
  | { code: 'store-locked'; dir: string }
  /** LevelDB refused to open the database (corrupt or missing table, manifest or log). */
  | { code: 'store-unreadable'; dir: string }
  | { code: 'genesis-mismatch' }
  /** The database holds records but no genesis hash: it is not a chain store, or lost its meta records. */
  | { code: 'genesis-missing' }
  /** The head record disagrees with the block, certificate or block index stored at its height. */
  | { code: 'head-inconsistent'; height: number }
  /** The transaction index does not point at the head block's transactions. */
  | { code: 'index-inconsistent'; height: number }
  /** The stored state does not hash to its stored digest, or the digest is not the head block's state root. */
  | { code: 'state-corrupt'; height: number }
  /** The consensus signing state does not decode or contradicts itself. */
  | { code: 'signing-state-corrupt' };

export type ChainStoreErrorCode = ChainStoreErrorType['code'];

export class ChainStoreError extends CodedError<ChainStoreErrorType> {}
