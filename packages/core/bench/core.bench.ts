/**
 * Core benchmark, single core (one thread; node:crypto verification is synchronous):
 * - signed transfers decoded and signature-verified per second, noble path vs node:crypto path;
 * - RFC 6962 Merkle root, every inclusion proof, and their verification, for 10,000 transactions;
 * - building (proposer) and applying (follower) a block of 5,000 transfers, applyBlock with and
 *   without the verified-transaction cache.
 * Run: node packages/core/bench/core.bench.ts  → prints figures, writes bench-results/core.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  applyBlock,
  buildBlock,
  combineRules,
  decodeBlock,
  decodeTx,
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  encodeBlock,
  encodeTx,
  type Genesis,
  genesisAllocationTxId,
  genesisHash,
  genesisState,
  type KeyPair,
  keyPairFromSeed,
  ledgerRules,
  MemoryStateStore,
  MerkleTree,
  sha256,
  signTx,
  type Tx,
  toHex,
  txHash,
  txId,
  txSigningPayload,
  utf8,
  verifyInclusion,
  verifyNoble,
  verifySignature,
  walletAddress,
} from '@v2g/core';

const REPEATS = 3;
const loadAtStart = loadavg()[0]!;
const NODE_TXS = 5_000;
const NOBLE_TXS = 500;
const MERKLE_LEAVES = 10_000;
const BLOCK_TXS = 5_000;
const CHAIN_ID = 'v2g-bench';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Wall-clock milliseconds of every timed step, by name, for the JSON record. */
const wall: Record<string, number> = {};

/**
 * Runs `f` once to warm up, then REPEATS times, and returns the median CPU
 * time of this thread in milliseconds. CPU time rather than wall time: the
 * machine is shared, and a waiting thread is not a slower core. The median
 * wall time goes to `wall[name]`.
 */
function time(name: string, f: () => void): number {
  f();
  const cpu: number[] = [];
  const ms: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const w0 = performance.now();
    const c0 = process.threadCpuUsage();
    f();
    const c = process.threadCpuUsage(c0);
    ms.push(performance.now() - w0);
    cpu.push((c.user + c.system) / 1000);
  }
  wall[name] = round(median(ms), 1);
  return median(cpu);
}

/** A fresh one-time wallet per output, as EVs use them. */
const wallet = (label: string): KeyPair => keyPairFromSeed(sha256(utf8(`bench/${label}`)));

/** Recipients' one-time addresses; only their 20 bytes matter here, so no key is derived. */
const oneTimeAddress = (label: string): Uint8Array => sha256(utf8(`bench/address/${label}`)).subarray(0, 20);

/**
 * A realistic signed transfer: one input, payment plus change to fresh wallet
 * addresses, one witness — about 240 bytes encoded.
 */
function transfer(from: KeyPair, input: { txId: Uint8Array; index: number }, amount: number, i: number): Tx {
  return signTx(
    {
      version: 1,
      chainId: CHAIN_ID,
      inputs: [input],
      outputs: [
        { address: oneTimeAddress(`pay-${i}`), amount: Math.floor(amount / 3) },
        { address: oneTimeAddress(`change-${i}`), amount: amount - Math.floor(amount / 3) },
      ],
      lockTime: 0,
      body: { kind: 'transfer' },
    },
    [from],
  );
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

// --- Setup: BLOCK_TXS wallets, each with a genesis allocation, each spending it in one transfer.
const t0 = performance.now();
const owners = Array.from({ length: BLOCK_TXS }, (_, i) => wallet(`owner-${i}`));
const leags = [0, 1, 2, 3].map((i) => wallet(`leag-${i}`));
const genesis: Genesis = {
  chainId: CHAIN_ID,
  genesisTime: 1_700_000_000_000,
  raKey: wallet('ra').publicKey,
  gridOperatorKey: wallet('grid').publicKey,
  leags: leags.map((k, i) => ({ publicKey: k.publicKey, name: `leag-${i}`, reputationPpm: 500_000 })),
  params: {
    consensus: { ...defaultConsensusParams, maxBlockTxs: BLOCK_TXS },
    market: defaultMarketParams,
    evReputation: defaultEvReputationParams,
  },
  allocations: owners.map((k, i) => ({ address: walletAddress(k.publicKey), amount: 1_000_000 + i })),
};
const allocationId = genesisAllocationTxId(genesis);
const txs = owners.map((k, i) => transfer(k, { txId: allocationId, index: i }, 1_000_000 + i, i));
const encoded = txs.map(encodeTx);
const avgTxBytes = encoded.reduce((s, b) => s + b.length, 0) / encoded.length;
log(`setup: ${BLOCK_TXS} wallets and signed transfers in ${round((performance.now() - t0) / 1000, 2)} s`);

// --- 1. Decode + verify per second, both paths. Keys are one-time wallets, so the
// node:crypto public-key cache misses as it would in production.
function decodeAndVerify(bytes: Uint8Array, verify: typeof verifySignature): void {
  const tx = decodeTx(bytes);
  const payload = txSigningPayload(tx.chainId, txId(tx));
  for (const w of tx.witnesses) {
    if (!verify(w.signature, payload, w.publicKey)) throw new Error('benchmark transaction does not verify');
  }
}
const nodeMs = time('nodeMs', () => {
  for (let i = 0; i < NODE_TXS; i++) decodeAndVerify(encoded[i]!, verifySignature);
});
const nobleMs = time('nobleMs', () => {
  for (let i = 0; i < NOBLE_TXS; i++) decodeAndVerify(encoded[i]!, verifyNoble);
});
const decodeOnlyMs = time('decodeOnlyMs', () => {
  for (let i = 0; i < NODE_TXS; i++) txSigningPayload(CHAIN_ID, txId(decodeTx(encoded[i]!)));
});
const verifyRates = {
  txBytes: round(avgTxBytes, 0),
  nodeCryptoTxPerSec: Math.round((NODE_TXS / nodeMs) * 1000),
  nobleTxPerSec: Math.round((NOBLE_TXS / nobleMs) * 1000),
  decodeAndIdOnlyTxPerSec: Math.round((NODE_TXS / decodeOnlyMs) * 1000),
};
log(
  `decode + verify (${verifyRates.txBytes}-byte transfers): node:crypto ${verifyRates.nodeCryptoTxPerSec} tx/s, ` +
    `noble ${verifyRates.nobleTxPerSec} tx/s (decode + tx id alone ${verifyRates.decodeAndIdOnlyTxPerSec} tx/s)`,
);

// --- 2. Merkle root and proofs over 10,000 transaction hashes.
const leaves = Array.from({ length: MERKLE_LEAVES }, (_, i) =>
  txHash(txs[i % txs.length]!).map((b) => b ^ (i >> 8)),
);
let tree = new MerkleTree(leaves);
const rootMs = time('rootMs', () => {
  tree = new MerkleTree(leaves);
});
let proofs: Uint8Array[][] = [];
const proofsMs = time('proofsMs', () => {
  proofs = leaves.map((_, i) => tree.proof(i));
});
const verifyProofsMs = time('verifyProofsMs', () => {
  for (let i = 0; i < MERKLE_LEAVES; i++) {
    if (!verifyInclusion(leaves[i]!, i, MERKLE_LEAVES, proofs[i]!, tree.root)) throw new Error('proof fails');
  }
});
const merkle = {
  leaves: MERKLE_LEAVES,
  treeAndRootMs: round(rootMs, 2),
  allProofsMs: round(proofsMs, 2),
  verifyAllProofsMs: round(verifyProofsMs, 2),
  proofLength: proofs[0]!.length,
};
log(
  `merkle, ${MERKLE_LEAVES} tx hashes: tree + root ${merkle.treeAndRootMs} ms, all proofs ${merkle.allProofsMs} ms, ` +
    `verifying all proofs ${merkle.verifyAllProofsMs} ms`,
);

// --- 3. A block of 5,000 transfers: build (proposer), decode, apply (follower).
const rules = combineRules(ledgerRules);
const store = new MemoryStateStore();
const g = genesisState(genesis);
store.applySync(g.changes, g.digest);
const opts = { genesis, rules, parentHash: genesisHash(genesis) };
const template = {
  height: 1,
  timestamp: genesis.genesisTime + 1000,
  proposer: leags[0]!.publicKey,
  round: 0,
  lastCommit: null,
};
let built = buildBlock(store, template, txs, opts);
if (built.block.txs.length !== BLOCK_TXS) throw new Error(`only ${built.block.txs.length} transfers applied`);
// Ids and hashes are memoized per transaction object: each run builds from fresh
// copies, so the proposer pays for encoding, hashing and verifying every transfer.
const copies = Array.from({ length: REPEATS + 1 }, () => structuredClone(txs));
const buildMs = time('buildMs', () => {
  built = buildBlock(store, template, copies.pop()!, opts);
});
const blockBytes = encodeBlock(built.block);
// A follower decodes a block's transactions once (decoding is shared per byte
// string): the first decode is the cold one, later ones find every transaction known.
const c0 = process.threadCpuUsage();
const received = decodeBlock(blockBytes);
const cold = process.threadCpuUsage(c0);
const coldDecodeBlockMs = (cold.user + cold.system) / 1000;
const decodeBlockMs = time('decodeBlockMs', () => {
  decodeBlock(blockBytes);
});
const applyMs = time('applyMs', () => {
  applyBlock(store, received, opts);
});
const verified = new Set(received.txs.map((t) => toHex(txHash(t))));
const cache = { has: (h: string) => verified.has(h) };
const applyCachedMs = time('applyCachedMs', () => {
  applyBlock(store, received, { ...opts, verified: cache });
});
const commitMs = time('commitMs', () => {
  const copy = new MemoryStateStore();
  copy.applySync(g.changes, g.digest);
  copy.applySync(built.changes, built.stateRoot);
});
const block = {
  transfers: BLOCK_TXS,
  blockBytes: blockBytes.length,
  buildBlockMs: round(buildMs),
  coldDecodeBlockMs: round(coldDecodeBlockMs),
  knownTxsDecodeBlockMs: round(decodeBlockMs),
  applyBlockMs: round(applyMs),
  applyBlockCachedMs: round(applyCachedMs),
  applyTxPerSec: Math.round((BLOCK_TXS / applyMs) * 1000),
  applyCachedTxPerSec: Math.round((BLOCK_TXS / applyCachedMs) * 1000),
  commitToMemoryStoreMs: round(commitMs),
};
log(
  `block of ${BLOCK_TXS} transfers (${round(blockBytes.length / 1024 / 1024, 2)} MiB): build ${block.buildBlockMs} ms, ` +
    `decode ${block.coldDecodeBlockMs} ms (${block.knownTxsDecodeBlockMs} ms with its transactions known), apply ${block.applyBlockMs} ms (${block.applyTxPerSec} tx/s), ` +
    `apply with verified cache ${block.applyBlockCachedMs} ms (${block.applyCachedTxPerSec} tx/s), ` +
    `commit to memory store ${block.commitToMemoryStoreMs} ms`,
);

const machine = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: availableParallelism(),
  memoryGiB: round(totalmem() / 2 ** 30),
  /** One-minute load average at start and end: on a shared machine the figures scale with it. */
  loadAverage: [round(loadAtStart, 2), round(loadavg()[0]!, 2)],
  method:
    'median over 3 runs after a warm-up run of the main thread CPU time (process.threadCpuUsage); wall times in wallMs',
};
log(
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, ` +
    `load average ${machine.loadAverage.join(' → ')}`,
);

const out = new URL('../../../bench-results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(
  new URL('core.json', out),
  `${JSON.stringify(
    {
      benchmark: 'core',
      date: new Date().toISOString(),
      machine,
      repeats: REPEATS,
      verifyRates,
      merkle,
      block,
      wallMs: wall,
    },
    null,
    2,
  )}\n`,
);
log(`written ${new URL('core.json', out).pathname}`);
