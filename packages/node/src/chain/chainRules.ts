import { consensusRules } from '@v2g/consensus';
import { combineRules, ledgerRules, marketRules, type Rules } from '@v2g/core';

/** The full rule set every LEAG applies: ledger, market, then consensus (LEAG reputation, evidence, reinstate). */
export function chainRules(): Rules {
  return combineRules(ledgerRules, marketRules, consensusRules());
}
