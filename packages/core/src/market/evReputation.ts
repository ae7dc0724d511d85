import type { EvReputation } from '../state/records.ts';
import type { EvReputationParams } from './evReputationParams.ts';

/**
 * EV reputation (DESIGN §7, seed 3.2.3–3.2.4) in integer ppm. The seed only
 * gives monotonic relations; these rational forms (x/(x+c), no exponentials)
 * have them and are exact in bigint. Formulas: docs/decisions/0005.
 */

export const REPUTATION_SCALE = 1_000_000;

export type TradeRole = 'seller' | 'buyer';

/** ⌊n·num/den⌋ with a zero denominator read as a factor of 1 (a constant of 0 switches a factor off). */
function scale(n: bigint, num: bigint, den: bigint): bigint {
  return den === 0n ? n : (n * num) / den;
}

/**
 * R⁺ = G · v/(v + c_v) · (t + c_t)/(t + 2·c_t), where v is successful volume
 * per successful trade and t the blocks since the last decrease. "R⁺ is
 * positively correlated with total successful volume over successful count
 * and with the time since the last decrease" (3.2.4 ES-1/EB-1). The time
 * factor runs from 1/2 (just punished) toward 1, so an honest trade always
 * earns something.
 */
export function reputationGain(avgWh: number, blocksSinceDecrease: number, p: EvReputationParams): number {
  const v = BigInt(avgWh);
  const t = BigInt(blocksSinceDecrease);
  const ct = BigInt(p.gainBlocks);
  const byVolume = scale(BigInt(p.gainMaxPpm), v, v + BigInt(p.gainVolumeWh));
  return Number(scale(byVolume, t + ct, t + 2n * ct));
}

/**
 * R⁻ = L · w/(w + c_w) · c_t/(t + c_t), where w is failed volume per failed
 * trade and t the blocks since the last decrease. "R⁻ is positively
 * correlated with total failed volume over failed count and negatively with
 * the time since the last decrease" (3.2.4 ES-2/EB-2): a repeat offender,
 * whose last decrease was recent, loses close to the full L·w/(w + c_w).
 */
export function reputationLoss(avgWh: number, blocksSinceDecrease: number, p: EvReputationParams): number {
  const w = BigInt(avgWh);
  const t = BigInt(blocksSinceDecrease);
  const ct = BigInt(p.lossBlocks);
  const byVolume = scale(BigInt(p.lossMaxPpm), w, w + BigInt(p.lossVolumeWh));
  return Number(scale(byVolume, ct, t + ct));
}

/** "R ← min{1, max{0, …}}" (eq. 3.2–3.5). */
export function clampPpm(x: number): number {
  return Math.min(REPUTATION_SCALE, Math.max(0, x));
}

/**
 * Eq. 3.1: R = (ω_ES·χ_ES·R_ES + ω_EB·χ_EB·R_EB) / (ω_ES·χ_ES + ω_EB·χ_EB).
 * χ_ES = 1 once the account has sold; χ_EB = 1 once it has bought, and also
 * "by default" (3.2.3) while it has done neither or only bought, "so the
 * division is safe". If the weights still leave a zero denominator, both
 * roles count.
 */
export function compositeReputation(
  rep: Pick<EvReputation, 'es' | 'eb' | 'actedAsSeller' | 'actedAsBuyer'>,
  p: EvReputationParams,
): number {
  const chiEs = rep.actedAsSeller ? 1n : 0n;
  const chiEb = rep.actedAsBuyer || !rep.actedAsSeller ? 1n : 0n;
  const wEs = BigInt(p.weightSeller);
  const wEb = BigInt(p.weightBuyer);
  let num = wEs * chiEs * BigInt(rep.es) + wEb * chiEb * BigInt(rep.eb);
  let den = wEs * chiEs + wEb * chiEb;
  if (den === 0n) {
    num = wEs * BigInt(rep.es) + wEb * BigInt(rep.eb);
    den = wEs + wEb;
  }
  return den === 0n ? 0 : Number(num / den);
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
  readonly height: number;
  /** The account's registration height: time since the last decrease counts from here before any decrease. */
  readonly registeredAt: number;
}

/**
 * Applies one settled trade: ES-1/ES-2 for a seller, EB-1/EB-2 for a buyer
 * ("EB-2 writes R_ES by mistake", DESIGN §7: it is R_EB). A trade succeeds
 * only when the meter confirms all matched energy. While the role's score is
 * below R_min its gains in that role are withheld: "without other users'
 * consent it cannot recover above the lower bound" (3.2.3), so only a
 * reinstatement lifts it.
 */
export function recordTrade(rep: EvReputation, o: TradeOutcome, p: EvReputationParams): EvReputation {
  const untrusted = isUntrustedIn(rep, o.role, p);
  const success = o.meteredWh >= o.matchedWh;
  let next: EvReputation;
  if (o.role === 'seller') {
    const since = o.height - Math.max(rep.esLastDecrease, o.registeredAt);
    if (success) {
      const count = rep.esSuccessCount + 1;
      const wh = rep.esSuccessWh + o.matchedWh;
      const gain = untrusted ? 0 : reputationGain(Math.floor(wh / count), since, p);
      next = { ...rep, esSuccessCount: count, esSuccessWh: wh, es: clampPpm(rep.es + gain) };
    } else {
      const count = rep.esFailCount + 1;
      const wh = rep.esFailWh + (o.matchedWh - o.meteredWh);
      const loss = reputationLoss(Math.floor(wh / count), since, p);
      next = {
        ...rep,
        esFailCount: count,
        esFailWh: wh,
        es: clampPpm(rep.es - loss),
        esLastDecrease: o.height,
      };
    }
    next = { ...next, actedAsSeller: true };
  } else {
    const since = o.height - Math.max(rep.ebLastDecrease, o.registeredAt);
    if (success) {
      const count = rep.ebSuccessCount + 1;
      const wh = rep.ebSuccessWh + o.matchedWh;
      const gain = untrusted ? 0 : reputationGain(Math.floor(wh / count), since, p);
      next = { ...rep, ebSuccessCount: count, ebSuccessWh: wh, eb: clampPpm(rep.eb + gain) };
    } else {
      const count = rep.ebFailCount + 1;
      const wh = rep.ebFailWh + (o.matchedWh - o.meteredWh);
      const loss = reputationLoss(Math.floor(wh / count), since, p);
      next = {
        ...rep,
        ebFailCount: count,
        ebFailWh: wh,
        eb: clampPpm(rep.eb - loss),
        ebLastDecrease: o.height,
      };
    }
    next = { ...next, actedAsBuyer: true };
  }
  const r = compositeReputation(next, p);
  // A withheld gain must not lift R either (the composite can rise when a χ flag switches on).
  return { ...next, r: untrusted ? Math.min(r, rep.r) : r };
}

/**
 * What a passed `reinstate` does to an EV account (the rule itself lives with
 * the committee approvals): both role scores are lifted to at least R_min, so
 * the composite is back at R_min or above and the account may trade again.
 */
export function reinstateEvReputation(rep: EvReputation, p: EvReputationParams): EvReputation {
  const next = { ...rep, es: Math.max(rep.es, p.rMinPpm), eb: Math.max(rep.eb, p.rMinPpm) };
  return { ...next, r: compositeReputation(next, p) };
}
