import type { EvReputation } from '../state/records.ts';
import type { EvReputationParams } from './evReputationParams.ts';

/**
 * EV reputation (DESIGN §7, seed 3.2.3–3.2.4) in integer ppm, time in market
 * windows. The seed gives only monotonic relations; these rational forms
 * (x/(x+c), no exponentials) have them, are exact in bigint, and hold the
 * properties decision 0008 states: a failure always costs at least F/2, an
 * honest trade never lowers R, losses outweigh gains for the same volume by
 * ⌊L/(2G)⌋, and an EV that keeps failing in a role is refused in it.
 */

export const REPUTATION_SCALE = 1_000_000;

export type TradeRole = 'seller' | 'buyer';

/**
 * R⁺ = G · v/(v + c_v) · (t + c_g)/(t + 2·c_g), v the volume it counts and t
 * the windows since the role's last decrease. "Positively correlated with
 * successful volume over successful count and with the time since the last
 * decrease" (3.2.4 ES-1/EB-1). The time factor runs from 1/2 (just punished)
 * toward 1, so an honest trade always earns something and never more than G.
 */
export function reputationGain(
  volumeWh: number,
  windowsSinceDecrease: number,
  p: EvReputationParams,
): number {
  const v = BigInt(volumeWh);
  const t = BigInt(windowsSinceDecrease);
  const c = BigInt(p.gainWindows);
  const num = BigInt(p.gainMaxPpm) * v * (t + c === 0n ? 1n : t + c);
  const den = (v + BigInt(p.gainVolumeWh)) * (t + c === 0n ? 1n : t + 2n * c);
  return den === 0n ? 0 : Number(num / den);
}

/**
 * R⁻ = max(F, L · w/(w + c_w)) · (t + 2·c_l)/(2·(t + c_l)), w the failed volume
 * it counts and t the windows since the role's last decrease. "Positively
 * correlated with failed volume over failed count, negatively with the time
 * since the last decrease" (3.2.4 ES-2/EB-2): a repeat offender loses the full
 * amount, a first offender long after its last failure half of it — never
 * less, so a failure always costs at least F/2 (0005's c/(t + c) decayed to 0).
 */
export function reputationLoss(
  volumeWh: number,
  windowsSinceDecrease: number,
  p: EvReputationParams,
): number {
  const w = BigInt(Math.max(1, volumeWh));
  const t = BigInt(windowsSinceDecrease);
  const c = BigInt(p.lossWindows);
  const cw = BigInt(p.lossVolumeWh);
  const byFloor = BigInt(p.lossMinPpm) * (w + cw);
  const byVolume = BigInt(p.lossMaxPpm) * w;
  const num = (byFloor > byVolume ? byFloor : byVolume) * (t + c === 0n ? 1n : t + 2n * c);
  const den = (w + cw) * (t + c === 0n ? 1n : 2n * (t + c));
  return Number(num / den);
}

/**
 * The volume a success counts: the seed's "total successful volume over
 * successful count" (this trade included), but never more than this trade,
 * so a history of large trades cannot make small ones earn large gains.
 */
export function gainVolume(successWh: number, successCount: number, tradeWh: number): number {
  return Math.min(tradeWh, Math.floor((successWh + tradeWh) / (successCount + 1)));
}

/**
 * The volume a failure counts: "total failed volume over failed count" (this
 * failure included), but never less than this failure, so a history of tiny
 * failures cannot make a large one cheap.
 */
export function lossVolume(failWh: number, failCount: number, failedWh: number): number {
  return Math.max(failedWh, Math.floor((failWh + failedWh) / (failCount + 1)));
}

/** "R ← min{1, max{0, …}}" (eq. 3.2–3.5). */
export function clampPpm(x: number): number {
  return Math.min(REPUTATION_SCALE, Math.max(0, x));
}

/**
 * Eq. 3.1 with χ_ES = χ_EB = 1: R = (ω_ES·R_ES + ω_EB·R_EB) / (ω_ES + ω_EB).
 * The seed switches χ_ES on when an account first sells; any such switch
 * brings in a role score that was never earned, so a first honest trade in a
 * new role could lower R and a first failure raise it (issue 10, gap 4). With
 * both roles always counted, each at 0.5 until it trades, R is a fixed
 * weighted mean and moves the way its role scores do (decision 0008).
 */
export function compositeReputation(rep: Pick<EvReputation, 'es' | 'eb'>, p: EvReputationParams): number {
  const wEs = BigInt(p.weightSeller);
  const wEb = BigInt(p.weightBuyer);
  const den = wEs + wEb;
  // Genesis validation requires ω > 0; a zero denominator can only come from an unvalidated document.
  return den === 0n ? 0 : Number((wEs * BigInt(rep.es) + wEb * BigInt(rep.eb)) / den);
}

/** The score that stands for a role: R_ES for a seller, R_EB for a buyer. */
export function roleScore(rep: Pick<EvReputation, 'es' | 'eb'>, role: TradeRole): number {
  return role === 'seller' ? rep.es : rep.eb;
}

/**
 * "Below R_min the user is untrusted" (3.2.3), judged per role (DESIGN §7:
 * "a seller by R_ES, a buyer by R_EB, so failing in one role cannot hide
 * behind honesty in the other"): its orders in that role are refused until a
 * reinstatement passes. Decision 0008.
 */
export function isUntrustedIn(
  rep: Pick<EvReputation, 'es' | 'eb'>,
  role: TradeRole,
  p: EvReputationParams,
): boolean {
  return roleScore(rep, role) < p.rMinPpm;
}

/** Untrusted in at least one role: the account needs a reinstatement to trade in every role again. */
export function isUntrusted(rep: Pick<EvReputation, 'es' | 'eb'>, p: EvReputationParams): boolean {
  return isUntrustedIn(rep, 'seller', p) || isUntrustedIn(rep, 'buyer', p);
}

export interface TradeOutcome {
  readonly role: TradeRole;
  /** Energy the clearing matched. */
  readonly matchedWh: number;
  /** Energy the meter confirmed, capped at matchedWh; 0 when no reading came. */
  readonly meteredWh: number;
  /** The window the trade settles in: "now" for the time since the last decrease. */
  readonly window: number;
  /** The account's registration window: time since the last decrease counts from here before any decrease. */
  readonly registeredWindow: number;
}

/** One role's part of the record. */
interface RoleRecord {
  readonly score: number;
  readonly successCount: number;
  readonly successWh: number;
  readonly failCount: number;
  readonly failWh: number;
  readonly lastDecreaseWindow: number;
}

function roleRecord(rep: EvReputation, role: TradeRole): RoleRecord {
  return role === 'seller'
    ? {
        score: rep.es,
        successCount: rep.esSuccessCount,
        successWh: rep.esSuccessWh,
        failCount: rep.esFailCount,
        failWh: rep.esFailWh,
        lastDecreaseWindow: rep.esLastDecreaseWindow,
      }
    : {
        score: rep.eb,
        successCount: rep.ebSuccessCount,
        successWh: rep.ebSuccessWh,
        failCount: rep.ebFailCount,
        failWh: rep.ebFailWh,
        lastDecreaseWindow: rep.ebLastDecreaseWindow,
      };
}

function withRole(rep: EvReputation, role: TradeRole, r: RoleRecord): EvReputation {
  return role === 'seller'
    ? {
        ...rep,
        es: r.score,
        esSuccessCount: r.successCount,
        esSuccessWh: r.successWh,
        esFailCount: r.failCount,
        esFailWh: r.failWh,
        esLastDecreaseWindow: r.lastDecreaseWindow,
        actedAsSeller: true,
      }
    : {
        ...rep,
        eb: r.score,
        ebSuccessCount: r.successCount,
        ebSuccessWh: r.successWh,
        ebFailCount: r.failCount,
        ebFailWh: r.failWh,
        ebLastDecreaseWindow: r.lastDecreaseWindow,
        actedAsBuyer: true,
      };
}

/**
 * Applies one settled trade: ES-1/ES-2 for a seller, EB-1/EB-2 for a buyer
 * (the seed's eq. 3.5 writes R_ES by mistake: it is R_EB). A trade succeeds
 * only when the meter confirms all matched energy. While the role's score is
 * below R_min its gains in that role are withheld: "without other users'
 * consent it cannot recover above the lower bound" (3.2.3), so only a
 * reinstatement lifts it. R is recomputed by eq. 3.1.
 */
export function recordTrade(rep: EvReputation, o: TradeOutcome, p: EvReputationParams): EvReputation {
  const before = roleRecord(rep, o.role);
  const since = o.window - Math.max(before.lastDecreaseWindow, o.registeredWindow);
  let after: RoleRecord;
  if (o.meteredWh >= o.matchedWh) {
    const volume = gainVolume(before.successWh, before.successCount, o.matchedWh);
    const gain = isUntrustedIn(rep, o.role, p) ? 0 : reputationGain(volume, since, p);
    after = {
      ...before,
      successCount: before.successCount + 1,
      successWh: before.successWh + o.matchedWh,
      score: clampPpm(before.score + gain),
    };
  } else {
    const failed = o.matchedWh - o.meteredWh;
    const loss = reputationLoss(lossVolume(before.failWh, before.failCount, failed), since, p);
    after = {
      ...before,
      failCount: before.failCount + 1,
      failWh: before.failWh + failed,
      score: clampPpm(before.score - loss),
      lastDecreaseWindow: o.window,
    };
  }
  const next = withRole(rep, o.role, after);
  return { ...next, r: compositeReputation(next, p) };
}

/**
 * What a passed `reinstate` does to an EV account (the rule that checks the
 * committee's approvals lives with the consensus rules): each role score
 * below R_min is lifted to R_min, and R is recomputed by eq. 3.1.
 */
export function reinstateEvReputation(rep: EvReputation, p: EvReputationParams): EvReputation {
  const next = { ...rep, es: Math.max(rep.es, p.rMinPpm), eb: Math.max(rep.eb, p.rMinPpm) };
  return { ...next, r: compositeReputation(next, p) };
}
