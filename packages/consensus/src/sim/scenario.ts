import {
  type ConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  type Genesis,
  type KeyPair,
  keyPairFromSeed,
  sha256,
  utf8,
} from '@v2g/core';

export function simKeys(n: number): KeyPair[] {
  return Array.from({ length: n }, (_, i) => keyPairFromSeed(sha256(utf8(`v2g-sim/leag-${i}`))));
}

export function simGenesis(
  keys: readonly KeyPair[],
  consensus: ConsensusParams,
  reputations: readonly number[] = [],
): Genesis {
  const ra = keyPairFromSeed(sha256(utf8('v2g-sim/ra')));
  return {
    chainId: 'v2g-sim',
    genesisTime: 1_700_000_000_000,
    raKey: ra.publicKey,
    gridOperatorKey: ra.publicKey,
    leags: keys.map((k, i) => ({
      publicKey: k.publicKey,
      name: `leag-${i}`,
      reputationPpm: reputations[i] ?? 500_000,
    })),
    params: { consensus, market: defaultMarketParams, evReputation: defaultEvReputationParams },
    allocations: [],
  };
}
