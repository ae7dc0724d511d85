import { bool, type Codec, list, struct, text, uint } from '../encoding/codec.ts';
import { address, publicKey } from '../encoding/fields.ts';

/** The state schema: one record type per bucket. Key builders live in keys.ts. */

export interface UtxoEntry {
  readonly address: Uint8Array;
  readonly amount: number;
}
export const utxoCodec: Codec<UtxoEntry> = struct<UtxoEntry>({ address, amount: uint });

export interface LeagRecord {
  readonly publicKey: Uint8Array;
  readonly name: string;
  readonly reputationPpm: number;
  readonly registeredAt: number;
}
export const leagCodec: Codec<LeagRecord> = struct<LeagRecord>({
  publicKey,
  name: text(64),
  reputationPpm: uint,
  registeredAt: uint,
});

/**
 * The seed's reputation triple <R, R_ES, R_EB> (3.2.3) and the history its
 * rules need: per role, successes and failures (count and Wh) and the window
 * of the last decrease. actedAsSeller/actedAsBuyer record whether the account
 * has traded in a role (the seed's χ); eq. 3.1 counts both roles always (0008).
 */
export interface EvReputation {
  readonly r: number;
  readonly es: number;
  readonly eb: number;
  readonly actedAsSeller: boolean;
  readonly actedAsBuyer: boolean;
  readonly esSuccessCount: number;
  readonly esSuccessWh: number;
  readonly esFailCount: number;
  readonly esFailWh: number;
  readonly esLastDecreaseWindow: number;
  readonly ebSuccessCount: number;
  readonly ebSuccessWh: number;
  readonly ebFailCount: number;
  readonly ebFailWh: number;
  readonly ebLastDecreaseWindow: number;
}
export const evReputationCodec: Codec<EvReputation> = struct<EvReputation>({
  r: uint,
  es: uint,
  eb: uint,
  actedAsSeller: bool,
  actedAsBuyer: bool,
  esSuccessCount: uint,
  esSuccessWh: uint,
  esFailCount: uint,
  esFailWh: uint,
  esLastDecreaseWindow: uint,
  ebSuccessCount: uint,
  ebSuccessWh: uint,
  ebFailCount: uint,
  ebFailWh: uint,
  ebLastDecreaseWindow: uint,
});

export interface EvAccount {
  readonly publicKey: Uint8Array;
  readonly leag: Uint8Array;
  readonly registeredAt: number;
  readonly reputation: EvReputation;
}
export const evAccountCodec: Codec<EvAccount> = struct<EvAccount>({
  publicKey,
  leag: publicKey,
  registeredAt: uint,
  reputation: evReputationCodec,
});

export interface MeterRecord {
  readonly publicKey: Uint8Array;
  readonly leag: Uint8Array;
  readonly registeredAt: number;
}
export const meterCodec: Codec<MeterRecord> = struct<MeterRecord>({
  publicKey,
  leag: publicKey,
  registeredAt: uint,
});

/** A wheeling fee for one unordered pair of stations (a < b by key), per Wh. */
export interface WheelingPair {
  readonly a: Uint8Array;
  readonly b: Uint8Array;
  readonly fee: number;
}
export const wheelingPairCodec: Codec<WheelingPair> = struct<WheelingPair>({
  a: publicKey,
  b: publicKey,
  fee: uint,
});

/** Most pair-specific wheeling fees one tariff may list. */
export const MAX_WHEELING_PAIRS = 256;

export interface TariffRecord {
  readonly retailPrice: number;
  readonly feedInPrice: number;
  /** Wheeling fee per Wh between any two stations, unless `wheeling` lists the pair (decision 0015). */
  readonly wheelingFee: number;
  readonly wheeling: readonly WheelingPair[];
}
export const tariffCodec: Codec<TariffRecord> = struct<TariffRecord>({
  retailPrice: uint,
  feedInPrice: uint,
  wheelingFee: uint,
  wheeling: list(wheelingPairCodec, MAX_WHEELING_PAIRS),
});

/** The last applied block: what the next block must extend. */
export interface TipRecord {
  readonly height: number;
  readonly timestamp: number;
}
export const tipCodec: Codec<TipRecord> = struct<TipRecord>({ height: uint, timestamp: uint });

export const heightCodec: Codec<number> = uint;
