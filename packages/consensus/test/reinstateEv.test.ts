import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyTx,
  type BlockContext,
  type BlockHeader,
  combineRules,
  compositeReputation,
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  type EvReputation,
  evAccountCodec,
  type Genesis,
  genesisState,
  initialEvReputation,
  Keys,
  keyPairFromSeed,
  ledgerRules,
  MemoryStateStore,
  StateView,
  sha256,
  signTx,
  TxError,
  txHash,
  txId,
  utf8,
} from '@v2g/core';
import { ConsensusKeys, committeeCodec } from '../src/rules/committeeRecord.ts';
import { reinstateRule } from '../src/rules/reinstateRule.ts';

/**
 * Issue 10, gap 5: a passed reinstate lifts an EV's roles below R_min to R_min
 * and recomputes R by eq. 3.1 (decision 0008), instead of writing R = R_min.
 * The rule runs through applyTx against a state holding the approving committee.
 */

const key = (label: string) => keyPairFromSeed(sha256(utf8(`reinstate-ev/${label}`)));
const ra = key('ra');
const members = [0, 1, 2, 3].map((i) => key(`leag-${i}`));
const ev = key('ev');

const genesis: Genesis = {
  chainId: 'v2g-reinstate-ev',
  genesisTime: 0,
  raKey: ra.publicKey,
  gridOperatorKey: key('grid').publicKey,
  leags: members.map((k, i) => ({ publicKey: k.publicKey, name: `leag-${i}`, reputationPpm: 500_000 })),
  params: {
    consensus: defaultConsensusParams,
    market: defaultMarketParams,
    evReputation: defaultEvReputationParams,
  },
  allocations: [],
};
const rules = combineRules(ledgerRules, { tx: { reinstate: reinstateRule } });
const rMin = defaultEvReputationParams.rMinPpm;

/** State at height 10 with the EV at `reputation` and a committee of four kept for height 9. */
function stateWith(reputation: Partial<EvReputation>) {
  const store = new MemoryStateStore();
  const g = genesisState(genesis);
  store.applySync(g.changes, g.digest);
  const view = new StateView(store);
  view.write(evAccountCodec, Keys.ev(ev.publicKey), {
    publicKey: ev.publicKey,
    leag: members[0]!.publicKey,
    registeredAt: 1,
    reputation: { ...initialEvReputation(genesis), ...reputation },
  });
  view.write(committeeCodec, ConsensusKeys.committee(9), {
    members: members.map((m) => ({ publicKey: m.publicKey, weight: 500_000 })),
    totalWeight: 2_000_000,
  });
  return view;
}

function reinstate(view: StateView): EvReputation {
  const tx = signTx(
    {
      version: 1,
      chainId: genesis.chainId,
      inputs: [],
      outputs: [],
      lockTime: 0,
      body: { kind: 'reinstate', target: ev.publicKey, role: 'ev', height: 9 },
    },
    members.slice(0, 3),
  );
  const header = { height: 10 } as BlockHeader;
  const ctx: BlockContext = { genesis, header, block: { header, txs: [tx], lastCommit: null }, view };
  applyTx(ctx, rules, tx, txId(tx), Buffer.from(txHash(tx)).toString('hex'));
  return view.read(evAccountCodec, Keys.ev(ev.publicKey))!.reputation;
}

describe('reinstating an EV account', () => {
  test('lifts the roles below R_min to R_min and recomputes R by eq. 3.1', () => {
    const lifted = reinstate(stateWith({ r: 175_000, es: 50_000, eb: 300_000 }));
    assert.deepEqual([lifted.es, lifted.eb], [rMin, 300_000]);
    assert.equal(lifted.r, compositeReputation(lifted, defaultEvReputationParams));
    assert.equal(lifted.r, 250_000, '(200,000 + 300,000) / 2, not R_min');
  });

  test('reinstates an account untrusted in one role even when its R is above R_min', () => {
    const lifted = reinstate(stateWith({ r: 350_000, es: 0, eb: 700_000 }));
    assert.deepEqual([lifted.r, lifted.es, lifted.eb], [450_000, rMin, 700_000]);
  });

  test('refuses to reinstate an account trusted in both roles', () => {
    assert.throws(
      () => reinstate(stateWith({ r: 500_000, es: 300_000, eb: 700_000 })),
      (e: unknown) => e instanceof TxError && e.code === 'not-below-minimum',
    );
  });
});
