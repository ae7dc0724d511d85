import {
  type Block,
  type CommitCertificate,
  type ConsensusParams,
  combineRules,
  defaultConsensusParams,
  type KeyPair,
  ledgerRules,
  signMessage,
} from '@v2g/core';
import { ConsensusEngine } from '../src/engine.ts';
import type { EngineAction, SigningState } from '../src/interface.ts';
import type { ConsensusMessage } from '../src/messages.ts';
import { consensusRules } from '../src/rules/consensusRules.ts';
import type { Committee } from '../src/selectCommittee.ts';
import { simGenesis, simKeys } from '../src/sim/simulate.ts';
import { TestChain } from './testChain.ts';

export const keys = simKeys(4);
export const params: ConsensusParams = { ...defaultConsensusParams };
export const genesis = simGenesis(keys, params);
export const rules = combineRules(ledgerRules, consensusRules());

export function freshChain(): TestChain {
  return new TestChain(genesis, rules);
}

export function committeeOf(chain: TestChain): Committee {
  const s = chain.nextCommittee();
  if (!s.ok) throw new Error(s.reason);
  return s.committee;
}

/** An engine over its own chain, recording every action it returns. */
export class Harness {
  readonly chain = freshChain();
  readonly engine: ConsensusEngine;
  readonly actions: EngineAction[] = [];
  readonly key: KeyPair;
  now = 1;

  constructor(key: KeyPair, restored: SigningState | null = null, chain?: TestChain) {
    this.key = key;
    if (chain) this.chain = chain;
    this.engine = new ConsensusEngine({
      chainId: genesis.chainId,
      params,
      restored,
      signer: { publicKey: key.publicKey, sign: (p) => signMessage(key.secretKey, p) },
      validator: this.chain.validator(key.publicKey, () => genesis.genesisTime + this.now),
    });
  }

  take(actions: EngineAction[]): EngineAction[] {
    this.actions.push(...actions);
    return actions;
  }

  start(lastCommit: CommitCertificate | null = null): EngineAction[] {
    return this.take(
      this.engine.startHeight({
        height: this.chain.height + 1,
        committee: committeeOf(this.chain),
        lastCommit,
      }),
    );
  }

  message(m: ConsensusMessage): EngineAction[] {
    return this.take(this.engine.handleMessage(m));
  }

  fire(step: 'start' | 'propose' | 'prepare' | 'commit', round = this.engine.status().round): EngineAction[] {
    return this.take(this.engine.handleTimeout({ height: this.engine.status().height, round, step }));
  }

  sent(): ConsensusMessage[] {
    return this.actions.flatMap((a) => (a.type === 'broadcast' ? [a.message] : []));
  }

  commits(): { block: Block; certificate: CommitCertificate }[] {
    return this.actions.flatMap((a) => (a.type === 'commit' ? [a] : []));
  }
}

export function broadcasts(actions: readonly EngineAction[]): ConsensusMessage[] {
  return actions.flatMap((a) => (a.type === 'broadcast' ? [a.message] : []));
}
