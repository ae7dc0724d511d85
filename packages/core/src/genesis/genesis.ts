import { sha256 } from '../crypto/hash.ts';
import { type Codec, decode, encode, list, struct, text, uint } from '../encoding/codec.ts';
import { address, chainIdText, publicKey } from '../encoding/fields.ts';
import { CodedError } from '../errors.ts';
import { type EvReputationParams, evReputationParamsCodec } from '../market/evReputationParams.ts';
import { type MarketParams, marketParamsCodec } from '../market/params.ts';
import { type ConsensusParams, consensusParamsCodec } from './consensusParams.ts';

export interface GenesisLeag {
  readonly publicKey: Uint8Array;
  readonly name: string;
  readonly reputationPpm: number;
}

export interface Allocation {
  readonly address: Uint8Array;
  readonly amount: number;
}

export interface Params {
  readonly consensus: ConsensusParams;
  readonly market: MarketParams;
  readonly evReputation: EvReputationParams;
}

export interface Genesis {
  readonly chainId: string;
  /** Milliseconds since the Unix epoch; block timestamps must not precede it. */
  readonly genesisTime: number;
  /** Registration authority: signs EV and LEAG registrations. */
  readonly raKey: Uint8Array;
  /** Grid operator: signs the tariff of each window. */
  readonly gridOperatorKey: Uint8Array;
  readonly leags: readonly GenesisLeag[];
  readonly params: Params;
  readonly allocations: readonly Allocation[];
}

export const paramsCodec: Codec<Params> = struct<Params>({
  consensus: consensusParamsCodec,
  market: marketParamsCodec,
  evReputation: evReputationParamsCodec,
});

export const genesisCodec: Codec<Genesis> = struct<Genesis>({
  chainId: chainIdText,
  genesisTime: uint,
  raKey: publicKey,
  gridOperatorKey: publicKey,
  leags: list(struct<GenesisLeag>({ publicKey, name: text(64), reputationPpm: uint }), 1024),
  params: paramsCodec,
  allocations: list(struct<Allocation>({ address, amount: uint }), 100_000),
});

export type GenesisErrorType =
  | { code: 'no-leags' }
  | { code: 'duplicate-leag'; name: string }
  | { code: 'reputation-out-of-range'; name: string }
  | { code: 'invalid-param'; param: string; reason: string }
  | { code: 'zero-allocation'; index: number }
  | { code: 'supply-overflow' };

export class GenesisError extends CodedError<GenesisErrorType> {}

export const PPM = 1_000_000;

/** Checks the rules a codec cannot: uniqueness, ranges, and parameter sanity. */
export function validateGenesis(g: Genesis): void {
  if (g.leags.length === 0) throw new GenesisError({ code: 'no-leags' });
  const seen = new Set<string>();
  for (const l of g.leags) {
    const id = Buffer.from(l.publicKey).toString('hex');
    if (seen.has(id)) throw new GenesisError({ code: 'duplicate-leag', name: l.name });
    seen.add(id);
    if (l.reputationPpm > PPM) throw new GenesisError({ code: 'reputation-out-of-range', name: l.name });
  }
  const c = g.params.consensus;
  const param = (name: string, ok: boolean, reason: string) => {
    if (!ok) throw new GenesisError({ code: 'invalid-param', param: name, reason });
  };
  param('consensus.rMinPpm', c.rMinPpm <= PPM, 'must be at most 1,000,000 ppm');
  param('consensus.maxBlockTxs', c.maxBlockTxs > 0, 'must be positive');
  param('consensus.timeoutProposeMs', c.timeoutProposeMs > 0, 'must be positive');
  param('consensus.timeoutVoteMs', c.timeoutVoteMs > 0, 'must be positive');
  param('market.windowBlocks', g.params.market.windowBlocks > 0, 'must be positive');
  // Delivery happens in the window after clearing, so settlement at the window's own close would see no readings.
  param('market.settlementWindows', g.params.market.settlementWindows > 0, 'must be positive');
  param('market.concessionSteps', g.params.market.concessionSteps > 0, 'must be positive');
  checkEvReputationParams(g.params.evReputation, param);
  let supply = 0;
  g.allocations.forEach((a, index) => {
    if (a.amount === 0) throw new GenesisError({ code: 'zero-allocation', index });
    supply += a.amount;
    if (!Number.isSafeInteger(supply)) throw new GenesisError({ code: 'supply-overflow' });
  });
}

/** The bounds decision 0008's properties rest on. */
function checkEvReputationParams(
  r: EvReputationParams,
  param: (name: string, ok: boolean, reason: string) => void,
): void {
  for (const name of ['initialPpm', 'rMinPpm', 'gainMaxPpm', 'lossMaxPpm', 'lossMinPpm'] as const) {
    param(`evReputation.${name}`, r[name] <= PPM, 'must be at most 1,000,000 ppm');
  }
  // Eq. 3.1: "ω_ES, ω_EB > 0". A zero weight would let that role's record count for nothing in R.
  param('evReputation.weightSeller', r.weightSeller > 0, 'must be positive (ω_ES > 0, eq. 3.1)');
  param('evReputation.weightBuyer', r.weightBuyer > 0, 'must be positive (ω_EB > 0, eq. 3.1)');
  // "Losses outweigh gains for the same volume": the smallest loss, L/2 at the
  // same volume, is at least the largest gain G (by the stated factor ⌊L/(2G)⌋ ≥ 1),
  // and a failed volume costs at least as large a share of L as it earns of G.
  param(
    'evReputation.lossMaxPpm',
    r.lossMaxPpm >= 2 * r.gainMaxPpm,
    'must be at least twice gainMaxPpm (losses outweigh gains)',
  );
  param(
    'evReputation.lossVolumeWh',
    r.lossVolumeWh <= r.gainVolumeWh,
    'must be at most gainVolumeWh (losses outweigh gains)',
  );
  // "A failure always costs": at least ⌊F/2⌋ ≥ 1 ppm.
  param('evReputation.lossMinPpm', r.lossMinPpm >= 2, 'must be at least 2 (every failure costs)');
}

export function encodeGenesis(g: Genesis): Uint8Array {
  return encode(genesisCodec, g);
}

export function decodeGenesis(bytes: Uint8Array): Genesis {
  const g = decode(genesisCodec, bytes, 16 * 1024 * 1024);
  validateGenesis(g);
  return g;
}

/** Parses and validates the JSON genesis document (hex for keys and addresses). */
export function genesisFromJson(json: unknown): Genesis {
  const g = genesisCodec.fromJson(json, 'genesis');
  validateGenesis(g);
  return g;
}

/** The genesis hash is the parent hash of block 1. */
export function genesisHash(g: Genesis): Uint8Array {
  return sha256(encodeGenesis(g));
}
