import {
  combineRules,
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  type Genesis,
  type KeyPair,
  keyPairFromSeed,
  ledgerRules,
  sha256,
  utf8,
  walletAddress,
} from '@v2g/core';

/** Deterministic keys for tests: the same label always gives the same key. */
export function testKey(label: string): KeyPair {
  return keyPairFromSeed(sha256(utf8(`test-key/${label}`)));
}

export const ra = testKey('ra');
export const grid = testKey('grid');
export const leags = [0, 1, 2, 3].map((i) => testKey(`leag-${i}`));
export const alice = testKey('alice-wallet');
export const bob = testKey('bob-wallet');

export function testGenesis(overrides: Partial<Genesis> = {}): Genesis {
  return {
    chainId: 'v2g-test',
    genesisTime: 1_700_000_000_000,
    raKey: ra.publicKey,
    gridOperatorKey: grid.publicKey,
    leags: leags.map((k, i) => ({ publicKey: k.publicKey, name: `leag-${i}`, reputationPpm: 500_000 })),
    params: {
      consensus: defaultConsensusParams,
      market: defaultMarketParams,
      evReputation: defaultEvReputationParams,
    },
    allocations: [
      { address: walletAddress(alice.publicKey), amount: 1_000_000 },
      { address: walletAddress(bob.publicKey), amount: 500_000 },
    ],
    ...overrides,
  };
}

export const coreRules = combineRules(ledgerRules);
