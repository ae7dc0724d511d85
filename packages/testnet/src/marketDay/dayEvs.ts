import { generateKeyPair, type KeyPair } from '@v2g/core';
import { Wallet } from '../wallet.ts';
import { seededRandom } from './dayProfile.ts';
import { type EvKind, MarketEv } from './marketEv.ts';

/** One EV of the market day: its account, its station's LEAG, how it behaves, its wallet and its refusals. */
export interface DayEv {
  readonly name: string;
  readonly account: KeyPair;
  readonly leag: number;
  readonly kind: EvKind;
  readonly model: MarketEv;
  readonly wallet: Wallet;
  readonly refused: Map<string, number>;
}

export interface DayEvsOptions {
  readonly evCount: number;
  /** Share of EVs (0..1) that sell and then deliver nothing or too little. */
  readonly dishonestShare: number;
  readonly seed: number;
  readonly leags: number;
}

/**
 * The day's EVs, their batteries, needs and choices drawn from the seed: EV i
 * trades at LEAG i mod N, and the dishonest share is spread over the EVs and
 * the stations, its kinds taking turns.
 */
export function createDayEvs(o: DayEvsOptions): DayEv[] {
  const random = seededRandom(o.seed);
  const dishonestCount = Math.min(o.evCount, Math.round(o.evCount * o.dishonestShare));
  // Spread over the EVs and, by the +k shift, over the stations (EV i trades at LEAG i mod N):
  // a station with only dishonest sellers and no buyers would never see them fail.
  const dishonest = new Set<number>();
  for (let k = 0; k < dishonestCount; k++) {
    let i = (Math.floor((k * o.evCount) / dishonestCount) + k) % o.evCount;
    while (dishonest.has(i)) i = (i + 1) % o.evCount;
    dishonest.add(i);
  }
  // The dishonest kinds take turns, so a run with three or more dishonest EVs has each kind.
  const kinds: EvKind[] = ['failing-seller', 'mixed', 'no-show-buyer'];
  const kindOf = new Map([...dishonest].sort((a, b) => a - b).map((i, k) => [i, kinds[k % kinds.length]!]));
  const evs: DayEv[] = [];
  for (let i = 0; i < o.evCount; i++) {
    const kind = kindOf.get(i) ?? 'honest';
    evs.push({
      name: `ev-${String(i).padStart(2, '0')}${kind === 'honest' ? '' : '*'}`,
      account: generateKeyPair(),
      leag: i % o.leags,
      kind,
      model: new MarketEv(random, kind),
      wallet: new Wallet(),
      refused: new Map(),
    });
  }
  return evs;
}
