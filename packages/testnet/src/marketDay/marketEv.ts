import { hourOf, isCommute, MEAN_RETAIL } from './dayProfile.ts';

/** What an EV does in one window. Prices are within the window's tariff. */
export type EvIntent =
  | { readonly side: 'idle' }
  | {
      readonly side: 'sell';
      readonly energyWh: number;
      readonly expectedPrice: number;
      readonly minPrice: number;
    }
  | { readonly side: 'buy'; readonly energyWh: number; readonly maxPrice: number };

/**
 * Who an EV is (issue 10's market day): honest, or one of three dishonest
 * kinds — a seller that never delivers in full, a "mixed" EV that fails its
 * sales while buying honestly (what a composite-only gate let through), and a
 * buyer that does not take delivery.
 */
export type EvKind = 'honest' | 'failing-seller' | 'mixed' | 'no-show-buyer';

/** The role a dishonest kind fails in, and so is shut out of (decision 0008). */
export const FAILING_ROLE: Record<Exclude<EvKind, 'honest'>, 'seller' | 'buyer'> = {
  'failing-seller': 'seller',
  mixed: 'seller',
  'no-show-buyer': 'buyer',
};

export interface EvProfile {
  readonly capacityWh: number;
  /** Charge it wants to keep for the next trip. */
  readonly needWh: number;
  /** Charger power × one window (an hour): the most it can move in a window. */
  readonly powerWh: number;
  /** Energy a commute hour takes. */
  readonly tripWh: number;
  readonly kind: EvKind;
  /** Any kind but honest. */
  readonly dishonest: boolean;
  /** Share of matched energy a failing seller delivers, below one half. */
  readonly deliveryShare: number;
}

/**
 * An EV's battery and needs, drawn from the seed: capacity 40–80 kWh, a need
 * of 40–70 % of it, a 7–11 kW charger, a state of charge that starts
 * anywhere from 20 to 90 %. Honest EVs buy below their need (more eagerly the
 * emptier they are, at retail when below half of it, so the grid supplies
 * what EVs do not), sell surplus above it when the hour is expensive (down to
 * the feed-in floor when the surplus is large, so the grid buys what EVs do
 * not), and otherwise idle; a few idle at random (unplugged).
 */
export class MarketEv {
  readonly profile: EvProfile;
  socWh: number;
  private readonly random: () => number;

  constructor(random: () => number, kind: EvKind) {
    this.random = random;
    const capacityWh = 1000 * Math.round(40 + 40 * random());
    this.profile = {
      capacityWh,
      needWh: Math.round(capacityWh * (0.4 + 0.3 * random())),
      powerWh: 1000 * Math.round(7 + 4 * random()),
      tripWh: 1000 * Math.round(4 + 6 * random()),
      kind,
      dishonest: kind !== 'honest',
      deliveryShare: random() < 0.5 ? 0 : Math.round(random() * 40) / 100,
    };
    this.socWh = Math.round(capacityWh * (0.2 + 0.7 * random()));
  }

  /**
   * The hour passes: a commute drains the battery, and now and then the car is
   * out on an errand; either way it is away and does not trade this window.
   */
  drive(window: number): boolean {
    // A dishonest EV is there to trade every window.
    if (this.profile.dishonest) return false;
    const commute = isCommute(hourOf(window));
    if (this.random() >= (commute ? 0.7 : 0.2)) return false;
    const used = commute ? this.profile.tripWh : Math.round(this.profile.tripWh / 2);
    this.socWh = Math.max(0, this.socWh - used);
    return true;
  }

  decide(tariff: { retailPrice: number; feedInPrice: number }, window: number): EvIntent {
    const { retailPrice: retail, feedInPrice: feedIn } = tariff;
    const spread = retail - feedIn;
    const p = this.profile;
    const between = (share: number) => feedIn + Math.round(spread * Math.min(1, Math.max(0, share)));
    // Dishonest sellers undercut everyone down to the floor, so that they are matched (by the grid if
    // no EV wants them), then do not deliver; a no-show buyer bids retail, so it is always served.
    const failingSale = {
      side: 'sell',
      energyWh: p.powerWh,
      expectedPrice: between(0.3),
      minPrice: feedIn,
    } as const;
    if (p.kind === 'failing-seller') return failingSale;
    if (p.kind === 'mixed') {
      return window % 2 === 0
        ? failingSale
        : { side: 'buy', energyWh: Math.min(5_000, p.powerWh), maxPrice: retail };
    }
    if (p.kind === 'no-show-buyer') return { side: 'buy', energyWh: p.powerWh, maxPrice: retail };
    if (this.random() < 0.15) return { side: 'idle' };
    const deficit = p.needWh - this.socWh;
    if (deficit > 1000) {
      const urgency = deficit / p.needWh;
      // An EV that must charge now bids retail: whatever other EVs do not sell it, the grid supplies.
      const maxPrice = urgency > 0.5 ? retail : between(0.4 + 0.6 * urgency + 0.1 * this.random());
      return { side: 'buy', energyWh: Math.min(deficit, p.powerWh), maxPrice };
    }
    const surplus = this.socWh - p.needWh;
    if (surplus > 2000 && retail >= MEAN_RETAIL) {
      // A large surplus is worth selling even at the floor: what EVs do not buy, the grid does.
      const floor = surplus > p.powerWh || this.random() < 0.3;
      return {
        side: 'sell',
        energyWh: Math.min(surplus, p.powerWh),
        expectedPrice: between(0.7 + 0.3 * this.random()),
        minPrice: floor ? feedIn : between(0.2 + 0.3 * this.random()),
      };
    }
    return { side: 'idle' };
  }

  /** Meter readings: what was really delivered (a seller) or consumed (a buyer). */
  meter(side: 'sell' | 'buy', matchedWh: number): number {
    const { kind, deliveryShare } = this.profile;
    if (side === 'sell' && (kind === 'failing-seller' || kind === 'mixed')) {
      return Math.floor(matchedWh * deliveryShare);
    }
    if (side === 'buy' && kind === 'no-show-buyer') return 0;
    return matchedWh;
  }

  settle(side: 'sell' | 'buy', meteredWh: number): void {
    const delta = side === 'sell' ? -meteredWh : meteredWh;
    this.socWh = Math.min(this.profile.capacityWh, Math.max(0, this.socWh + delta));
  }
}
