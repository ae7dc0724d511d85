/**
 * One byte per bucket, prefixed to every LevelDB key. An append-only table:
 * a number is never reused or renumbered, or old data directories would be
 * read as something else.
 */
export const Bucket = {
  /** height (u64 BE) → encoded block */
  blocks: 1,
  /** block hash → height (u64 BE) */
  blockIndex: 2,
  /** tx id → height (u64 BE) ‖ index (u32 BE) */
  txIndex: 3,
  /** state key (utf8) → state value */
  state: 4,
  /** height (u64 BE) → encoded commit certificate of that block */
  certificates: 5,
  /** consensus signing state, written before a vote leaves */
  consensusWal: 6,
  /** single keys: head, state digest, genesis hash */
  meta: 7,
  /** tx id → transaction bytes: transactions this LEAG acknowledged to a client and has not yet seen committed */
  txJournal: 8,
  /** window (u64 BE) → JSON of the LEAGs at the window's closing block (leagHistory.ts); a local index, not consensus state */
  leagHistory: 9,
  /** tx id → JSON {code, reason, at}: acknowledged transactions this LEAG dropped, so their status survives a restart */
  droppedTxs: 10,
} as const;
export type Bucket = (typeof Bucket)[keyof typeof Bucket];
