import { combineRules, ledgerRules, marketRules, type Rules } from '@v2g/core';
import { type ConsensusRulesOptions, consensusRules } from '../rules/consensusRules.ts';

/**
 * The full rule set every LEAG applies, in the daemon and in the simulator:
 * ledger, market, then consensus (LEAG reputation, evidence, reinstatement).
 */
export function chainRules(options: ConsensusRulesOptions = {}): Rules {
  return combineRules(ledgerRules, marketRules, consensusRules(options));
}
