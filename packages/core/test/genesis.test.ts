import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeGenesis,
  encodeGenesis,
  type Genesis,
  GenesisError,
  genesisCodec,
  genesisFromJson,
  genesisHash,
  genesisState,
  MemoryStateStore,
  signVote,
  txSigningPayload,
  verifySignature,
  verifyVote,
} from '@v2g/core';
import fc from 'fast-check';
import { genesisArb } from './arbitraries.ts';
import { leags, testGenesis } from './fixtures.ts';

const g = testGenesis();

function refuses(bad: Genesis, code: string): void {
  const bytes = encodeGenesis(bad);
  const json = JSON.parse(JSON.stringify(genesisCodec.toJson(bad)));
  for (const load of [() => decodeGenesis(bytes), () => genesisFromJson(json)]) {
    assert.throws(load, (e: unknown) => e instanceof GenesisError && e.code === code);
  }
}

describe('genesis', () => {
  test('the test genesis loads from its bytes and from its JSON form', () => {
    assert.deepEqual(decodeGenesis(encodeGenesis(g)), g);
    assert.deepEqual(genesisFromJson(JSON.parse(JSON.stringify(genesisCodec.toJson(g)))), g);
  });

  test('refuses a genesis without LEAGs', () => refuses({ ...g, leags: [] }, 'no-leags'));

  test('refuses a LEAG listed twice', () =>
    refuses({ ...g, leags: [...g.leags, g.leags[0]!] }, 'duplicate-leag'));

  test('refuses a LEAG reputation above 1,000,000 ppm', () =>
    refuses({ ...g, leags: [{ ...g.leags[0]!, reputationPpm: 1_000_001 }] }, 'reputation-out-of-range'));

  test('refuses parameters that would stall the chain or the market', () => {
    const p = g.params;
    refuses({ ...g, params: { ...p, consensus: { ...p.consensus, maxBlockTxs: 0 } } }, 'invalid-param');
    refuses({ ...g, params: { ...p, consensus: { ...p.consensus, timeoutProposeMs: 0 } } }, 'invalid-param');
    refuses({ ...g, params: { ...p, consensus: { ...p.consensus, rMinPpm: 1_000_001 } } }, 'invalid-param');
    refuses({ ...g, params: { ...p, market: { ...p.market, windowBlocks: 0 } } }, 'invalid-param');
    refuses(
      { ...g, params: { ...p, evReputation: { ...p.evReputation, weightSeller: 0, weightBuyer: 0 } } },
      'invalid-param',
    );
  });

  test('refuses EV reputation parameters under which a failure could cost nothing or less than a gain', () => {
    const p = g.params;
    const rep = (r: Partial<Genesis['params']['evReputation']>) => ({
      ...g,
      params: { ...p, evReputation: { ...p.evReputation, ...r } },
    });
    refuses(rep({ lossMinPpm: 0 }), 'invalid-param');
    refuses(rep({ lossMinPpm: 1 }), 'invalid-param');
    refuses(rep({ gainMaxPpm: 60_000, lossMaxPpm: 119_999 }), 'invalid-param');
    refuses(rep({ lossVolumeWh: p.evReputation.gainVolumeWh + 1 }), 'invalid-param');
    refuses(rep({ lossMaxPpm: 1_000_001 }), 'invalid-param');
  });

  test('refuses a zero weight in eq. 3.1 (ω_ES, ω_EB > 0)', () => {
    const p = g.params;
    for (const w of [{ weightSeller: 0 }, { weightBuyer: 0 }]) {
      refuses({ ...g, params: { ...p, evReputation: { ...p.evReputation, ...w } } }, 'invalid-param');
    }
  });

  test('refuses a zero allocation and a supply beyond 2^53', () => {
    const a = g.allocations[0]!;
    refuses({ ...g, allocations: [{ ...a, amount: 0 }] }, 'zero-allocation');
    const half = 2 ** 52;
    refuses(
      {
        ...g,
        allocations: [
          { ...a, amount: half },
          { ...a, amount: half },
        ],
      },
      'supply-overflow',
    );
  });

  test('genesis state and hash are functions of the document alone', () => {
    fc.assert(
      fc.property(genesisArb, (doc) => {
        const again = decodeGenesis(encodeGenesis(doc));
        assert.deepEqual(genesisHash(again), genesisHash(doc));
        const a = genesisState(doc);
        const b = genesisState(again);
        assert.deepEqual([...a.changes], [...b.changes]);
        assert.deepEqual(a.digest, b.digest);
        const store = new MemoryStateStore();
        store.applySync(a.changes, a.digest);
        assert.deepEqual(store.recomputeDigest(), a.digest);
      }),
      { numRuns: 30 },
    );
  });

  test('a different chain id gives a different genesis hash', () => {
    assert.notDeepEqual(genesisHash(testGenesis({ chainId: 'v2g-other' })), genesisHash(g));
  });
});

describe('signature domains', () => {
  const vote = { type: 'commit' as const, height: 5, round: 1, blockHash: new Uint8Array(32).fill(3) };
  const signed = signVote(g.chainId, vote, leags[0]!);

  test('a vote verifies on its chain, and not on another chain or with any field changed', () => {
    assert.equal(verifyVote(g.chainId, signed), true);
    assert.equal(verifyVote('v2g-other', signed), false);
    for (const changed of [
      { ...signed, type: 'prepare' as const },
      { ...signed, height: 6 },
      { ...signed, round: 0 },
      { ...signed, blockHash: null },
      { ...signed, voter: leags[1]!.publicKey },
    ]) {
      assert.equal(verifyVote(g.chainId, changed), false);
    }
  });

  test('a vote signature is not a transaction signature over the same bytes', () => {
    // The domain tag differs, so even a tx id equal to the block hash gives another message.
    const payload = txSigningPayload(g.chainId, vote.blockHash);
    assert.equal(verifySignature(signed.signature, payload, signed.voter), false);
  });
});
