import {
  defaultEvReputationParams,
  type EvReputation,
  type EvReputationParams,
  recordTrade,
  type TradeOutcome,
  type TradeRole,
} from '@v2g/core';
import fc from 'fast-check';

/** A new account's reputation record under `p`. */
export function freshReputation(p: EvReputationParams = defaultEvReputationParams): EvReputation {
  return {
    r: p.initialPpm,
    es: p.initialPpm,
    eb: p.initialPpm,
    actedAsSeller: false,
    actedAsBuyer: false,
    esSuccessCount: 0,
    esSuccessWh: 0,
    esFailCount: 0,
    esFailWh: 0,
    esLastDecreaseWindow: 0,
    ebSuccessCount: 0,
    ebSuccessWh: 0,
    ebFailCount: 0,
    ebFailWh: 0,
    ebLastDecreaseWindow: 0,
  };
}

export interface Trade {
  readonly role: TradeRole;
  readonly matchedWh: number;
  /** Share delivered, permille; ≥ 1000 is a success. */
  readonly share: number;
  /** Windows since the previous trade. */
  readonly gap: number;
}

export const tradeArb: fc.Arbitrary<Trade> = fc.record({
  role: fc.constantFrom<TradeRole>('seller', 'buyer'),
  matchedWh: fc.integer({ min: 1, max: 100_000 }),
  share: fc.integer({ min: 0, max: 1_000 }),
  gap: fc.integer({ min: 0, max: 50 }),
});

/** The outcome of `t` settled in `window` for an account registered in window 0. */
export function outcome(t: Trade, window: number): TradeOutcome {
  return {
    role: t.role,
    matchedWh: t.matchedWh,
    meteredWh: Math.floor((t.matchedWh * Math.min(t.share, 1_000)) / 1_000),
    window,
    registeredWindow: 0,
  };
}

/** Plays a history of trades from `start`; returns every intermediate reputation and the last window. */
export function play(
  history: readonly Trade[],
  p: EvReputationParams = defaultEvReputationParams,
  start: EvReputation = freshReputation(p),
) {
  let rep = start;
  let window = 0;
  const seen: EvReputation[] = [rep];
  for (const t of history) {
    window += t.gap;
    rep = recordTrade(rep, outcome(t, window), p);
    seen.push(rep);
  }
  return { rep, seen, window };
}
