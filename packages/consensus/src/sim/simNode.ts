import type { Rules } from '@v2g/core';
import {
  applyBlock,
  blockHash,
  bytesEqual,
  type Genesis,
  type KeyPair,
  type SignedVote,
  signMessage,
  type Tx,
  toHex,
  txId,
} from '@v2g/core';
import { type Behaviour, type ByzantineContext, misbehave } from '../byzantine.ts';
import { createChainMempool } from '../chain/chainMempool.ts';
import { ChainExecutor } from '../chain/executor.ts';
import { MemoryChainStorage } from '../chain/memoryChainStorage.ts';
import type { Mempool } from '../chain/mempool.ts';
import { type CertifiedBlock, ConsensusDriver } from '../driver/driver.ts';
import type { ConsensusNetwork, SigningState } from '../interface.ts';
import type { ConsensusMessage } from '../messages.ts';
import type { VoteVerifier } from '../voteVerifier.ts';
import type { Prng } from './prng.ts';
import type { SimNetwork } from './simNetwork.ts';

export type Wire =
  | { readonly kind: 'consensus'; readonly message: ConsensusMessage }
  | { readonly kind: 'block'; readonly block: CertifiedBlock }
  | { readonly kind: 'tx'; readonly tx: Tx }
  | { readonly kind: 'sync-request'; readonly from: number }
  | { readonly kind: 'sync-response'; readonly blocks: readonly CertifiedBlock[] };

/** What the scenario watches. */
export interface SimHooks {
  committed(node: SimNode, certified: CertifiedBlock): void;
  evidence(node: SimNode, first: SignedVote, second: SignedVote): void;
  halted(node: SimNode, reason: string): void;
  /** Every vote a LEAG signs and sends, for the double-sign check. */
  signed(node: SimNode, vote: SignedVote): void;
}

export interface SimNodeConfig {
  readonly index: number;
  readonly key: KeyPair;
  readonly behaviour: Behaviour;
  readonly genesis: Genesis;
  readonly rules: Rules;
  readonly verifyVote: VoteVerifier;
  readonly peers: readonly Uint8Array[];
  /** Ablation: re-sends go by gossip (deduplicated) instead of directly, as the daemon did before decision 0011. */
  readonly gossipOnly: boolean;
  /** The scenario's generator (Byzantine timing). */
  readonly rng: Prng;
}

const SYNC_BATCH = 32;
const REGOSSIP_MS = 1000;

export function messageId(m: ConsensusMessage): string {
  if (m.kind === 'vote') {
    const v = m.vote;
    return `v${v.type}/${v.height}/${v.round}/${v.blockHash === null ? '-' : toHex(v.blockHash)}/${toHex(v.signature)}`;
  }
  if (m.kind === 'proposal') return `p${toHex(m.signature)}/${toHex(blockHash(m.block.header))}`;
  return `d${toHex(blockHash(m.block.header))}/${m.certificate.signatures.length}`;
}

/**
 * One simulated LEAG running the shipped parts: the `ConsensusDriver`, the
 * `ChainExecutor` with the full chain rules (market included) and the
 * mempool. Its "disk" (the chain store and the signing state) survives a
 * crash; everything else is rebuilt at each boot, as a restarted daemon.
 */
export class SimNode {
  readonly cfg: SimNodeConfig;
  storage: MemoryChainStorage;
  disk: SigningState | null = null;
  /**
   * The chain height known durable through the signing state: every
   * signing-state write is fsync'd, and in LevelDB's one log that also
   * flushes the block batches written before it. Blocks committed with
   * `durable` are fsync'd themselves (the storage tracks those); a power cut
   * loses only the blocks above both (the middle of a sync batch).
   */
  durableHeight = 0;
  /** Evidence this LEAG caught, fsync'd like the daemon's evidence journal: it survives crashes. */
  private evidenceDisk: Tx[] = [];
  up = false;
  /** The next durable write is the last thing this LEAG does before it crashes. */
  crashAfterPersist = false;
  timeSkewMs = 0;
  driver: ConsensusDriver | null = null;
  executor!: ChainExecutor;
  mempool!: Mempool;
  private readonly net: SimNetwork;
  private readonly hooks: SimHooks;
  private readonly byKey: Map<string, number>;
  private boots = 0;
  private pastInputs = 0;
  private regossips = 0;

  constructor(cfg: SimNodeConfig, net: SimNetwork, hooks: SimHooks) {
    this.cfg = cfg;
    this.net = net;
    this.hooks = hooks;
    this.storage = new MemoryChainStorage(cfg.genesis);
    this.byKey = new Map(cfg.peers.map((k, i) => [toHex(k), i]));
  }

  get index(): number {
    return this.cfg.index;
  }

  get height(): number {
    return this.storage.head.height;
  }

  /** Starts (or restarts) the LEAG with empty memory over its disk. */
  boot(): void {
    if (this.up) return;
    this.up = true;
    this.boots++;
    this.net.forget(this.index);
    const { genesis, rules, key, verifyVote } = this.cfg;
    this.mempool = createChainMempool(genesis, { maxTxs: 1000, maxBytes: 1 << 22 }, rules);
    this.executor = new ChainExecutor({
      storage: this.storage,
      genesis,
      rules,
      mempool: this.mempool,
      proposer: key.publicKey,
      now: () => genesis.genesisTime + this.net.now() + this.timeSkewMs,
      verifyVote,
      lastCertificate: this.storage.blocks.at(-1)?.certificate ?? null,
    });
    const node = this;
    this.driver = new ConsensusDriver({
      chainId: genesis.chainId,
      params: genesis.params.consensus,
      signer: { publicKey: key.publicKey, sign: (payload) => signMessage(key.secretKey, payload) },
      executor: this.executor,
      restored: this.disk,
      signingStore: {
        save(state) {
          node.disk = state;
          node.durableHeight = node.storage.head.height;
          if (node.crashAfterPersist) {
            // Crash between the durable write and the send: what the restart must survive.
            node.crashAfterPersist = false;
            node.crash();
            throw new Error('simulated crash after persist');
          }
        },
      },
      network: this.consensusNetwork(),
      clock: this.net,
      sync: { request: (peer, from) => this.toKey(peer, { kind: 'sync-request', from }) },
      submitEvidence: (tx) => {
        this.evidenceDisk.push(tx);
        this.admit(tx, true);
      },
      verifyVote,
      observer: {
        committed: (block, certificate) => this.hooks.committed(this, { block, certificate }),
        evidence: (first, second) => this.hooks.evidence(this, first, second),
        halted: (reason) => {
          if (this.up) this.hooks.halted(this, reason);
        },
      },
    });
    this.evidenceDisk = this.evidenceDisk.filter((tx) => this.admit(tx, true));
    // A starting daemon asks its peers for blocks it may have missed before its engine starts.
    this.driver.start(this.cfg.peers.filter((peer) => !bytesEqual(peer, key.publicKey)));
    const boot = this.boots;
    const regossip = () => {
      if (!this.up || this.boots !== boot) return;
      // New bytes (a new batch), so gossip lets them through: pending evidence until a block carries it.
      for (const { pending } of this.mempool.heldEvidence())
        this.net.gossip(this.index, `tx${pending.idHex}/${this.regossips++}`, { kind: 'tx', tx: pending.tx });
      this.net.setTimer(REGOSSIP_MS, regossip);
    };
    this.net.setTimer(REGOSSIP_MS, regossip);
  }

  /** Engine inputs handled over every boot. */
  get inputsHandled(): number {
    return this.pastInputs + (this.driver?.inputsHandled ?? 0);
  }

  crash(): void {
    if (!this.up) return;
    this.up = false;
    this.pastInputs += this.driver?.inputsHandled ?? 0;
    void this.driver?.stop();
    this.driver = null;
  }

  /** A power cut: the process dies and the blocks written since the last fsync are gone. */
  powerCut(): void {
    this.crash();
    const durable = Math.max(this.durableHeight, this.storage.durableHeight);
    if (this.storage.head.height <= durable) return;
    const { genesis, rules } = this.cfg;
    const kept = this.storage.blocks.slice(0, durable);
    const storage = new MemoryChainStorage(genesis);
    for (const { block, certificate } of kept) {
      const applied = applyBlock(storage.state, block, { genesis, rules, parentHash: storage.head.hash });
      storage.commit({ block, certificate, ...applied, durable: true });
    }
    this.storage = storage;
  }

  deliver(from: number, payload: unknown): void {
    const wire = payload as Wire;
    const driver = this.driver;
    if (!driver) return;
    const fromKey = this.cfg.peers[from]!;
    switch (wire.kind) {
      case 'consensus':
        driver.receiveMessage(wire.message);
        return;
      case 'block':
        driver.receiveBlocks(fromKey, [wire.block], 'gossip');
        return;
      case 'tx':
        this.admit(wire.tx, false);
        return;
      case 'sync-request':
        this.net.direct(this.index, from, {
          kind: 'sync-response',
          blocks: this.storage.range(wire.from, SYNC_BATCH),
        });
        return;
      case 'sync-response':
        driver.receiveBlocks(fromKey, wire.blocks, 'sync');
        return;
    }
  }

  private admit(tx: Tx, publish: boolean): boolean {
    const r = this.mempool.add(tx, 256, this.storage.state, this.net.now());
    if (r.ok && publish) this.net.gossip(this.index, `tx${toHex(txId(tx))}`, { kind: 'tx', tx });
    return r.ok;
  }

  private toKey(peer: Uint8Array, wire: Wire): void {
    const to = this.byKey.get(toHex(peer));
    if (to !== undefined) this.net.direct(this.index, to, wire);
  }

  private byzantine(): ByzantineContext {
    return {
      chainId: this.cfg.genesis.chainId,
      key: this.cfg.key,
      behaviour: this.cfg.behaviour,
      alternative: (m) => {
        this.timeSkewMs = 1;
        const alt = this.executor.propose(m.height, m.round, m.block.lastCommit);
        this.timeSkewMs = 0;
        return alt;
      },
      lateMs: () => 40 + this.cfg.rng.int(200),
    };
  }

  private consensusNetwork(): ConsensusNetwork {
    const send = (wire: Wire & { kind: 'consensus' }, to: number | null) => {
      if (to === null || this.cfg.gossipOnly) this.net.gossip(this.index, messageId(wire.message), wire);
      else this.net.direct(this.index, to, wire);
    };
    const emit = (message: ConsensusMessage, to: number | null) => {
      misbehave(this.byzantine(), message, to !== null, (m, extraDelay) => {
        if (m.kind === 'vote' && bytesEqual(m.vote.voter, this.cfg.key.publicKey))
          this.hooks.signed(this, m.vote);
        if (extraDelay === undefined) send({ kind: 'consensus', message: m }, to);
        else this.net.gossip(this.index, messageId(m), { kind: 'consensus', message: m }, extraDelay);
      });
    };
    return {
      broadcast: (message) => emit(message, null),
      sendTo: (peer, message) => {
        const to = this.byKey.get(toHex(peer));
        if (to !== undefined) emit(message, to);
      },
      announce: (block, certificate) =>
        this.net.gossip(this.index, `b${toHex(blockHash(block.header))}`, {
          kind: 'block',
          block: { block, certificate },
        }),
    };
  }
}
