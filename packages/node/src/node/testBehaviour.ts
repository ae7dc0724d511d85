import type { Behaviour } from '@v2g/consensus';

export type TestBehaviour = Behaviour | 'forge-sync';

/** Chain ids that say "test network": only they let a LEAG be Byzantine on purpose. */
const TEST_CHAIN = /(^|-)(test|testnet|e2e|chaos|bench|sim)(-|$)/;

/**
 * The config's `testOnlyBehaviour`, checked against the chain: the chaos
 * harness runs real Byzantine daemons (an equivocating proposer or voter, a
 * withholder, a sync server serving forged blocks), and a production chain
 * must never start one by a config mistake.
 */
export function testBehaviour(configured: string, chainId: string): TestBehaviour {
  if (configured === 'honest') return 'honest';
  if (!TEST_CHAIN.test(chainId)) {
    throw new Error(
      `testOnlyBehaviour "${configured}" is refused on chain "${chainId}": only a test chain (an id with test, e2e, chaos, bench or sim) allows it`,
    );
  }
  return configured as TestBehaviour;
}
