import { depositTx, transferTx } from '@v2g/client';
import { chainRules, leaderOf, selectCommittee } from '@v2g/consensus';
import {
  buildBlock,
  bytesEqual,
  type CommitCertificate,
  compareBytes,
  type Genesis,
  type KeyPair,
  keyPairFromSeed,
  type Outpoint,
  sha256,
  signVote,
  type Tx,
  txId,
  utf8,
  walletAddress,
  windowOf,
} from '@v2g/core';
import { ChainStore } from '@v2g/node';

const OUTPUTS_PER_DEPOSIT = 64;
const WALLETS = 256;

/**
 * Transfers for a chain of full blocks: LEAG deposits in block 1 create one
 * coin per transaction slot, and every later block spends each coin once into
 * a new coin, so each block carries `perBlock` independent signed transfers.
 */
class TransferSource {
  private readonly wallets = Array.from({ length: WALLETS }, (_, i) =>
    keyPairFromSeed(sha256(utf8(`bench-sync-wallet-${i}`))),
  );
  private coins: { outpoint: Outpoint; key: KeyPair }[] = [];
  private readonly env: { chainId: string };
  private readonly genesis: Genesis;
  private readonly leagKeys: readonly KeyPair[];
  private readonly perBlock: number;

  constructor(genesis: Genesis, leagKeys: readonly KeyPair[], perBlock: number) {
    this.genesis = genesis;
    this.leagKeys = leagKeys;
    this.perBlock = perBlock;
    this.env = { chainId: genesis.chainId };
  }

  txsFor(height: number): Tx[] {
    if (this.perBlock === 0) return [];
    if (height === 1) return this.deposits();
    const next: { outpoint: Outpoint; key: KeyPair }[] = [];
    const txs = this.coins.map((c, i) => {
      const to = this.wallets[(i + height) % WALLETS]!;
      const tx = transferTx(this.env, [c], [{ address: walletAddress(to.publicKey), amount: 1000 }]);
      next.push({ outpoint: { txId: txId(tx), index: 0 }, key: to });
      return tx;
    });
    this.coins = next;
    return txs;
  }

  private deposits(): Tx[] {
    const txs: Tx[] = [];
    const window = windowOf(1, this.genesis);
    for (let d = 0; d * OUTPUTS_PER_DEPOSIT < this.perBlock; d++) {
      const n = Math.min(OUTPUTS_PER_DEPOSIT, this.perBlock - d * OUTPUTS_PER_DEPOSIT);
      const keys = Array.from(
        { length: n },
        (_, i) => this.wallets[(d * OUTPUTS_PER_DEPOSIT + i) % WALLETS]!,
      );
      const outputs = keys.map((k) => ({ address: walletAddress(k.publicKey), amount: 1000 }));
      const leag = this.leagKeys[d % this.leagKeys.length]!;
      const tx = depositTx(this.env, leag, window, 1_000_000 + d, outputs);
      const id = txId(tx);
      keys.forEach((key, index) => {
        this.coins.push({ outpoint: { txId: id, index }, key });
      });
      txs.push(tx);
    }
    return txs;
  }
}

/**
 * Writes a chain of `count` blocks into a data directory through the real
 * state machine and store, each block proposed by its rightful leader and
 * certified by every committee member: what a LEAG would have after running
 * that long, made without waiting for consensus rounds. With `txsPerBlock`,
 * every block after the first carries that many signed transfers.
 * Returns the number of transactions written.
 */
export async function writeChain(
  dir: string,
  genesis: Genesis,
  keys: readonly KeyPair[],
  count: number,
  txsPerBlock = 0,
): Promise<number> {
  const chain = await ChainStore.open(dir, genesis);
  const rules = chainRules();
  const source = new TransferSource(genesis, keys, txsPerBlock);
  let lastCommit: CommitCertificate | null = null;
  let written = 0;
  try {
    for (let h = chain.head.height + 1; h <= count; h++) {
      const selection = selectCommittee(chain.state, genesis.params.consensus);
      if (!selection.ok) throw new Error(selection.reason);
      const leader = leaderOf(selection.committee, h, 0, genesis.params.consensus.leaderPolicy);
      const txs = source.txsFor(h);
      const built = buildBlock(
        chain.state,
        { height: h, round: 0, timestamp: genesis.genesisTime + h, proposer: leader.publicKey, lastCommit },
        txs,
        { genesis, rules, parentHash: chain.head.hash },
      );
      if (built.rejected.length > 0) {
        throw new Error(`block ${h} refused a transaction: ${built.rejected[0]!.error.message}`);
      }
      written += built.block.txs.length;
      const signatures = selection.committee.members
        .map((m) => keys.find((k) => bytesEqual(k.publicKey, m.publicKey))!)
        .map((k) =>
          signVote(genesis.chainId, { type: 'commit', height: h, round: 0, blockHash: built.hash }, k),
        )
        .map((v) => ({ voter: v.voter, signature: v.signature }))
        .sort((a, b) => compareBytes(a.voter, b.voter));
      const certificate: CommitCertificate = { height: h, round: 0, blockHash: built.hash, signatures };
      await chain.commit({ ...built, certificate, durable: false });
      lastCommit = certificate;
    }
  } finally {
    await chain.close();
  }
  return written;
}
