import {
  type Block,
  type BlockHeader,
  type CommitCertificate,
  type EvReputationParams,
  type Genesis,
  type SignedVote,
  type Tx,
  type TxBody,
  type TxKind,
  walletAddress,
} from '@v2g/core';
import fc from 'fast-check';

/** fast-check arbitraries for every encoded type. Values are structurally valid, not chain-valid. */

/** Records with Object.prototype, like the ones decoders build, so deepEqual compares contents only. */
export function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

export const bytesOf = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
export const hash32Arb = bytesOf(32);
export const keyArb = bytesOf(32);
export const sigArb = bytesOf(64);
export const addressArb = bytesOf(20);
/** Small and large unsigned integers, both ends of each CBOR head width. */
export const uintArb: fc.Arbitrary<number> = fc.oneof(
  fc.nat(30),
  fc.constantFrom(23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER),
  fc.maxSafeNat(),
);
export const chainIdArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}$/);

export const signedVoteArb: fc.Arbitrary<SignedVote> = rec({
  type: fc.constantFrom('prepare' as const, 'commit' as const),
  height: uintArb,
  round: uintArb,
  blockHash: fc.option(hash32Arb, { nil: null }),
  voter: keyArb,
  signature: sigArb,
});

export const bodyArbs: { [K in TxKind]: fc.Arbitrary<Extract<TxBody, { kind: K }>> } = {
  transfer: fc.constant({ kind: 'transfer' as const }),
  'register-ev': rec({ kind: fc.constant('register-ev' as const), account: keyArb, leag: keyArb }),
  'register-meter': rec({ kind: fc.constant('register-meter' as const), meter: keyArb, leag: keyArb }),
  'register-leag': rec({ kind: fc.constant('register-leag' as const), leag: keyArb }),
  deposit: rec({
    kind: fc.constant('deposit' as const),
    leag: keyArb,
    window: uintArb,
    reference: uintArb,
  }),
  tariff: rec({
    kind: fc.constant('tariff' as const),
    window: uintArb,
    retailPrice: uintArb,
    feedInPrice: uintArb,
    wheelingFee: uintArb,
    wheeling: fc.array(rec({ a: keyArb, b: keyArb, fee: uintArb }), { maxLength: 3 }),
  }),
  'grid-account': rec({ kind: fc.constant('grid-account' as const), reference: uintArb }),
  'sell-order': rec({
    kind: fc.constant('sell-order' as const),
    account: keyArb,
    leag: keyArb,
    window: uintArb,
    energyWh: uintArb,
    expectedPrice: uintArb,
    minPrice: uintArb,
    payout: addressArb,
  }),
  'buy-order': rec({
    kind: fc.constant('buy-order' as const),
    account: keyArb,
    leag: keyArb,
    window: uintArb,
    energyWh: uintArb,
    maxPrice: uintArb,
    refund: addressArb,
  }),
  'meter-reading': rec({
    kind: fc.constant('meter-reading' as const),
    meter: keyArb,
    window: uintArb,
    order: hash32Arb,
    energyWh: uintArb,
  }),
  evidence: rec({ kind: fc.constant('evidence' as const), first: signedVoteArb, second: signedVoteArb }),
  reinstate: rec({
    kind: fc.constant('reinstate' as const),
    target: keyArb,
    role: fc.constantFrom('ev' as const, 'leag' as const),
    height: uintArb,
  }),
};

export const TX_KINDS = Object.keys(bodyArbs) as TxKind[];

export function txArb(
  body: fc.Arbitrary<TxBody> = fc.oneof(...TX_KINDS.map((k) => bodyArbs[k])),
): fc.Arbitrary<Tx> {
  return rec({
    version: fc.constant(1 as const),
    chainId: chainIdArb,
    inputs: fc.array(rec({ txId: hash32Arb, index: uintArb }), { maxLength: 3 }),
    outputs: fc.array(rec({ address: addressArb, amount: uintArb }), { maxLength: 3 }),
    lockTime: uintArb,
    body,
    witnesses: fc.array(rec({ publicKey: keyArb, signature: sigArb }), { maxLength: 3 }),
  });
}

export const headerArb: fc.Arbitrary<BlockHeader> = rec({
  version: fc.constant(1 as const),
  chainId: chainIdArb,
  height: uintArb,
  parentHash: hash32Arb,
  txRoot: hash32Arb,
  stateRoot: hash32Arb,
  lastCommitHash: hash32Arb,
  timestamp: uintArb,
  proposer: keyArb,
  round: uintArb,
});

export const certificateArb: fc.Arbitrary<CommitCertificate> = rec({
  height: uintArb,
  round: uintArb,
  blockHash: hash32Arb,
  signatures: fc.array(rec({ voter: keyArb, signature: sigArb }), { maxLength: 4 }),
});

export const blockArb: fc.Arbitrary<Block> = rec({
  header: headerArb,
  txs: fc.array(txArb(), { maxLength: 3 }),
  lastCommit: fc.option(certificateArb, { nil: null }),
});

const ppmArb = fc.nat(1_000_000);
const positiveArb = fc.integer({ min: 1, max: 2 ** 40 });

/** EV reputation parameters that pass validateGenesis (decision 0008's bounds). */
export const evReputationParamsArb: fc.Arbitrary<EvReputationParams> = fc
  .record({
    initialPpm: ppmArb,
    rMinPpm: ppmArb,
    weightSeller: fc.integer({ min: 1, max: 1_000 }),
    weightBuyer: fc.integer({ min: 1, max: 1_000 }),
    gainMaxPpm: fc.nat(500_000),
    gainVolumeWh: fc.nat(1_000_000),
    gainWindows: fc.nat(10_000),
    lossMinPpm: fc.integer({ min: 2, max: 1_000_000 }),
    lossWindows: fc.nat(10_000),
  })
  .chain((r) =>
    fc
      .tuple(fc.integer({ min: 2 * r.gainMaxPpm, max: 1_000_000 }), fc.nat(r.gainVolumeWh))
      .map(([lossMaxPpm, lossVolumeWh]): EvReputationParams => ({ ...r, lossMaxPpm, lossVolumeWh })),
  );

/** A genesis that passes validateGenesis: unique LEAG keys, ppm in range, positive parameters. */
export const genesisArb: fc.Arbitrary<Genesis> = rec({
  chainId: chainIdArb,
  genesisTime: uintArb,
  raKey: keyArb,
  gridOperatorKey: keyArb,
  leags: fc
    .uniqueArray(keyArb, { minLength: 1, maxLength: 4, selector: (k) => Buffer.from(k).toString('hex') })
    .chain((keys) =>
      fc.tuple(
        ...keys.map((k) =>
          rec({ publicKey: fc.constant(k), name: fc.string({ maxLength: 12 }), reputationPpm: ppmArb }),
        ),
      ),
    ),
  params: rec({
    consensus: rec({
      committeeSize: uintArb,
      rMinPpm: ppmArb,
      leaderPolicy: fc.constantFrom('top' as const, 'weighted-rotation' as const),
      blockIntervalMs: uintArb,
      timeoutProposeMs: positiveArb,
      timeoutVoteMs: positiveArb,
      timeoutDeltaMs: uintArb,
      maxBlockTxs: positiveArb,
      proposerGainPpm: ppmArb,
      signerGainPpm: ppmArb,
      absentLossPpm: ppmArb,
      evidenceCutPpm: ppmArb,
    }),
    market: rec({
      windowBlocks: positiveArb,
      settlementWindows: positiveArb,
      depositLimitPerWindow: uintArb,
      concessionSteps: positiveArb,
    }),
    evReputation: evReputationParamsArb,
  }),
  allocations: fc.array(rec({ address: keyArb.map((k) => walletAddress(k)), amount: positiveArb }), {
    maxLength: 5,
  }),
});
