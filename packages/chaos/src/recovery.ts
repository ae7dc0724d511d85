/** What happened just before a stall: a fault applied, a heal or restart, or quorum coming back. */
export interface Cause {
  readonly atMs: number;
  readonly what: string;
  /** A heal, restart or start: the 10 s bound applies from here. */
  readonly heal: boolean;
}

export interface Stall {
  /** From the first cause to the block, or to the loss of quorum, or to the end of the run. */
  readonly ms: number;
  /** From the earliest heal among the causes, or null when none was a heal. */
  readonly afterHealMs: number | null;
  readonly causes: readonly Cause[];
  /** The last fault applied before the window opened (what the chain is recovering from). */
  readonly after: Cause | null;
  readonly startHeight: number;
  readonly endedBy: 'block' | 'quorum-lost' | 'end';
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Measures how long the chain takes to make progress whenever it can: a
 * window opens when an action leaves a quorum of the committee running and
 * connected, and closes at the next new height seen on any LEAG. A window
 * that is open when quorum is lost again, or when the run ends, is recorded
 * for as long as it lasted (a lower bound of the stall).
 */
export class RecoveryTracker {
  readonly stalls: Stall[] = [];
  /** The longest time between two new heights, and the causes seen in between. */
  longestGap: { ms: number; fromHeight: number; fromMs: number; causes: Cause[] } | null = null;
  /**
   * The longest time without a new height while a quorum was up all along,
   * whatever opened it (a leader cut off after its last block, say), with
   * the last actions before its end.
   */
  longestQuorumGap: { ms: number; fromHeight: number; fromMs: number; recent: Cause[] } | null = null;
  private quorumSince: number | null = null;
  private recent: Cause[] = [];
  private open: { causes: Cause[]; startHeight: number; after: Cause | null } | null = null;
  private lastFault: Cause | null = null;
  private quorum = false;
  private height = 0;
  /** The run's start counts as the last block, so the wait for the first block is a gap too. */
  private lastBlockMs = 0;
  private sinceBlock: Cause[] = [];

  get quorumAvailable(): boolean {
    return this.quorum;
  }

  /** After every action: what it was and whether a quorum is now up. */
  action(cause: Cause, quorum: boolean): void {
    if (!quorum && this.quorumSince !== null) this.noteQuorumGap(cause.atMs);
    if (quorum && this.quorumSince === null) this.quorumSince = cause.atMs;
    if (!quorum) this.quorumSince = null;
    this.recent = [...this.recent, cause].slice(-3);
    this.sinceBlock.push(cause);
    if (!quorum) {
      if (this.open) this.close(cause.atMs, 'quorum-lost');
    } else if (this.open) {
      this.open.causes.push(cause);
    } else {
      this.open = { causes: [cause], startHeight: this.height, after: cause.heal ? this.lastFault : null };
    }
    if (!cause.heal) this.lastFault = cause;
    this.quorum = quorum;
  }

  /** A height first seen at `atMs` (heights at or below the highest seen are ignored). */
  block(height: number, atMs: number): void {
    if (height <= this.height) return;
    this.noteGap(atMs);
    this.noteQuorumGap(atMs);
    this.height = height;
    this.lastBlockMs = atMs;
    this.sinceBlock = [];
    if (this.open) this.close(atMs, 'block');
  }

  /** The run is over: an open window closes, and the time since the last new height counts as a gap. */
  end(atMs: number): void {
    if (this.open) this.close(atMs, 'end');
    this.noteGap(atMs);
    this.noteQuorumGap(atMs);
  }

  private noteQuorumGap(atMs: number): void {
    if (this.quorumSince === null) return;
    const fromMs = Math.max(this.lastBlockMs, this.quorumSince);
    const ms = atMs - fromMs;
    if (this.longestQuorumGap && ms <= this.longestQuorumGap.ms) return;
    this.longestQuorumGap = { ms, fromHeight: this.height, fromMs, recent: this.recent };
  }

  private noteGap(atMs: number): void {
    const ms = atMs - this.lastBlockMs;
    if (this.longestGap && ms <= this.longestGap.ms) return;
    this.longestGap = { ms, fromHeight: this.height, fromMs: this.lastBlockMs, causes: this.sinceBlock };
  }

  private close(atMs: number, endedBy: Stall['endedBy']): void {
    const { causes, startHeight, after } = this.open!;
    this.open = null;
    const heals = causes.filter((c) => c.heal).map((c) => c.atMs);
    this.stalls.push({
      ms: atMs - causes[0]!.atMs,
      afterHealMs: heals.length > 0 ? atMs - Math.min(...heals) : null,
      causes,
      after,
      startHeight,
      endedBy,
      fromMs: causes[0]!.atMs,
      toMs: atMs,
    });
  }
}
