import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { PeerId } from '@libp2p/interface';
import {
  ConsensusEngine,
  decodeConsensusMessage,
  type EngineAction,
  encodeConsensusMessage,
  readLeags,
  verifyCertificate,
} from '@v2g/consensus';
import {
  blockHash,
  bytesEqual,
  encodeTx,
  type Genesis,
  genesisFromJson,
  type KeyPair,
  signMessage,
  type Tx,
  toHex,
  txBytes,
} from '@v2g/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApi } from '../api/server.ts';
import { BlockProcessor } from '../chain/blockProcessor.ts';
import {
  blockMessageHeight,
  decodeBlockMessage,
  decodeCertifiedBlock,
  encodeBlockMessage,
  encodeCertifiedBlock,
} from '../chain/certifiedBlock.ts';
import { chainRules } from '../chain/chainRules.ts';
import type { NodeConfig } from '../config/config.ts';
import { readKeyFile } from '../config/keyFile.ts';
import { createLogger } from '../logger.ts';
import { createChainMempool } from '../mempool/chainMempool.ts';
import type { Mempool } from '../mempool/mempool.ts';
import { SliceQueue } from '../mempool/sliceQueue.ts';
import { createNodeMetrics, type NodeMetrics } from '../metrics/nodeMetrics.ts';
import { LeagAllowList } from '../network/leagAllowList.ts';
import { createNetwork, type Network } from '../network/network.ts';
import { leagKeyFromPeerId } from '../network/peerIdentity.ts';
import { ACCEPT, type GossipVerdict, ignore, reject } from '../network/verdict.ts';
import { ChainStore } from '../storage/chainStore.ts';
import { LevelSigningStateStore } from '../storage/signingStateStore.ts';

const SYNC_BATCH = 256;
/** Gossiped transactions waiting for their checks beyond which the API refuses new ones. */
const MAX_UNCHECKED_GOSSIP = 2000;
/** Pending transactions older than this are gossiped again (a proposer may have dropped them under load). */
const REGOSSIP_AFTER_MS = 5000;
const REGOSSIP_MAX = 2000;

/** Transaction refusals that hold on every LEAG whatever its state (see core's checkTxStateless and the codecs). */
const STATELESS_FAILURES = new Set([
  'malformed',
  'wrong-chain',
  'bad-signature',
  'unsorted-witnesses',
  'duplicate-input',
  'zero-output',
  'supply-overflow',
]);

/**
 * The LEAG daemon: chain store, mempool, block processor, network, consensus
 * engine and HTTP API. Parts start in that order and stop in reverse.
 */
export class Daemon {
  readonly config: NodeConfig;
  readonly genesis: Genesis;
  readonly key: KeyPair;
  readonly logger: Logger;
  readonly registry = new Registry();
  readonly metrics: NodeMetrics;
  readonly events = new EventEmitter();
  private chain!: ChainStore;
  private mempool!: Mempool;
  private processor!: BlockProcessor;
  private network!: Network;
  private engine!: ConsensusEngine;
  private api!: FastifyInstance;
  private signing!: LevelSigningStateStore;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Gossiped transaction checks, run in 5 ms slices between other events. */
  private readonly txChecks = new SliceQueue(5);
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private syncing = false;
  private consensusState = 'starting';

  private constructor(config: NodeConfig, genesis: Genesis, key: KeyPair) {
    this.config = config;
    this.genesis = genesis;
    this.key = key;
    this.logger = createLogger(config.name, config.logLevel);
    this.metrics = createNodeMetrics(this.registry);
    this.events.setMaxListeners(1000);
    collectDefaultMetrics({ register: this.registry });
  }

  static async create(config: NodeConfig): Promise<Daemon> {
    const genesis = genesisFromJson(JSON.parse(await readFile(config.genesisFile, 'utf8')));
    const key = await readKeyFile(config.keyFile);
    return new Daemon(config, genesis, key);
  }

  get httpPort(): number {
    const addr = this.api.server.address();
    return typeof addr === 'object' && addr ? addr.port : this.config.httpPort;
  }

  async start(): Promise<void> {
    const { config, genesis, logger } = this;
    this.chain = await ChainStore.open(config.dataDir, genesis);
    this.signing = new LevelSigningStateStore(this.chain.wal);
    const rules = chainRules();
    this.mempool = createChainMempool(genesis, {
      maxTxs: config.mempoolMaxTxs,
      maxBytes: config.mempoolMaxBytes,
    });
    this.processor = new BlockProcessor({
      chain: this.chain,
      genesis,
      rules,
      mempool: this.mempool,
      metrics: this.metrics,
      events: this.events,
      logger,
      proposer: this.key.publicKey,
    });
    logger.info({ height: this.chain.head.height, head: toHex(this.chain.head.hash) }, 'chain loaded');

    const leags = new LeagAllowList(readLeags(this.chain.state).map((l) => l.publicKey));
    this.network = await createNetwork(
      {
        logger,
        registry: this.registry,
        keyPair: this.key,
        leags,
        validators: {
          tx: (bytes) => this.validateGossipTx(bytes),
          consensus: (bytes) => this.validateConsensus(bytes),
          block: (bytes) => this.validateBlockMessage(bytes),
        },
        blockSource: { serveBlocks: (from, to) => this.serveBlocks(from, to) },
      },
      { chainId: genesis.chainId, listen: [config.listen], bootstrap: config.bootstrap },
    );
    this.network.onMessage('consensus', (bytes) => this.onConsensus(bytes));
    this.network.onMessage('block', (bytes, from) => void this.onBlockMessage(bytes, from));
    this.events.on('block', () => {
      for (const l of readLeags(this.chain.state)) leags.add(l.publicKey);
    });

    this.api = createApi(
      {
        chain: this.chain,
        mempool: this.mempool,
        registry: this.registry,
        metrics: this.metrics,
        logger,
        events: this.events,
        submitTx: (bytes) => {
          // Backpressure: when gossiped transactions queue up unchecked, the network is saturated;
          // refusing here (503) beats accepting what no proposer will see in time.
          if (this.txChecks.length > MAX_UNCHECKED_GOSSIP) {
            this.metrics.txsRejected.inc({ source: 'api', code: 'overloaded' });
            return { ok: false, code: 'overloaded', reason: 'the LEAG is saturated; retry shortly' };
          }
          const r = this.mempool.addBytes(bytes, this.chain.state, Date.now());
          if (r.ok) this.network.publishTx(bytes);
          else this.metrics.txsRejected.inc({ source: 'api', code: r.code });
          return r;
        },
        peers: () =>
          this.network.connectedPeers().map((p) => {
            const k = leagKeyFromPeerId(p);
            return { peerId: p.toString(), leag: k ? toHex(k) : null };
          }),
        committee: () => {
          const c = this.processor.committee();
          const names = new Map(readLeags(this.chain.state).map((l) => [toHex(l.publicKey), l.name]));
          return (c?.members ?? []).map((m) => ({
            publicKey: toHex(m.publicKey),
            name: names.get(toHex(m.publicKey)) ?? '',
            reputationPpm: m.weight,
          }));
        },
        status: () => ({ syncing: this.syncing, consensus: this.consensusState }),
      },
      { bodyLimit: 4 * 1024 * 1024 },
    );
    await this.api.listen({ host: config.httpHost, port: config.httpPort });
    await this.network.start();
    const regossip = setInterval(() => this.regossip(), REGOSSIP_AFTER_MS);
    this.timers.add(regossip);
    logger.info({ http: this.httpPort, p2p: this.network.multiaddrs() }, 'LEAG started');

    this.engine = new ConsensusEngine({
      chainId: genesis.chainId,
      signer: { publicKey: this.key.publicKey, sign: (payload) => signMessage(this.key.secretKey, payload) },
      validator: this.processor,
      params: genesis.params.consensus,
      restored: await this.signing.load(),
    });
    void this.bootConsensus();
  }

  /**
   * Pending transactions that stayed pending go out again in a new batch (new
   * bytes, so gossipsub's duplicate filter lets them through): with a fixed
   * leader, a transaction the leader dropped while saturated would otherwise
   * wait forever in another LEAG's mempool.
   */
  private regossip(): void {
    const before = Date.now() - REGOSSIP_AFTER_MS;
    for (const p of this.mempool.take(REGOSSIP_MAX)) {
      if (p.receivedAt > before) break;
      this.network.publishTx(txBytes(p.tx));
    }
  }

  private async bootConsensus(): Promise<void> {
    if (this.config.minPeers > 0) {
      this.consensusState = 'waiting-for-peers';
      await this.network.waitForTopicPeers('consensus', this.config.minPeers, 60_000).catch(() => {
        this.logger.warn({ minPeers: this.config.minPeers }, 'consensus starting without enough topic peers');
      });
    }
    if (this.stopped) return;
    await this.sync();
    this.consensusState = 'running';
    this.enqueue(async () => this.startNextHeight());
  }

  /** Catches up from peers, verifying each certificate against the committee this node computes. */
  private async sync(): Promise<void> {
    this.syncing = true;
    try {
      for (const peer of this.network.connectedPeers()) {
        for (;;) {
          if (this.stopped) return;
          const from = this.chain.head.height + 1;
          let blocks: Uint8Array[];
          try {
            blocks = await this.network.requestBlocks(peer, from, from + SYNC_BATCH - 1);
          } catch (err) {
            this.logger.debug({ err, peer: peer.toString() }, 'sync request failed');
            break;
          }
          if (blocks.length === 0) break;
          let progressed = false;
          for (const bytes of blocks) {
            const r = await this.importBytes(bytes, 'sync');
            if (r) progressed = true;
            else break;
          }
          if (!progressed) break;
        }
      }
    } finally {
      this.syncing = false;
    }
  }

  private async importBytes(bytes: Uint8Array, source: string): Promise<boolean> {
    let certified: ReturnType<typeof decodeCertifiedBlock>;
    try {
      certified = decodeCertifiedBlock(bytes);
    } catch {
      this.metrics.blocksRejected.inc({ source, code: 'malformed' });
      return false;
    }
    try {
      const r = await this.processor.importCertified(certified.block, certified.certificate, source);
      return r.ok;
    } catch (err) {
      // A peer's block must never take the daemon down: count it, log it, and go on.
      this.metrics.blocksRejected.inc({ source, code: 'import-failed' });
      this.logger.error({ err, source, height: certified.block.header.height }, 'block import failed');
      return false;
    }
  }

  /**
   * Moves the engine to the height after the chain head. Several paths ask
   * for it (our own commit, a gossiped or synced block); the head is read
   * when the task runs, so the engine starts each height once.
   */
  private startNextHeight(): void {
    this.enqueue(async () => {
      if (this.stopped) return;
      const height = this.chain.head.height + 1;
      if (this.engine.status().height >= height) return;
      const committee = this.processor.committee();
      if (!committee) {
        this.consensusState = `halted: ${this.processor.committeeReason()}`;
        this.logger.error({ height, reason: this.processor.committeeReason() }, 'no committee; chain halted');
        return;
      }
      const lastCommit = height === 1 ? null : ((await this.chain.certificateAt(height - 1)) ?? null);
      if (this.chain.head.height + 1 !== height) return this.startNextHeight();
      await this.perform(this.engine.startHeight({ height, committee, lastCommit }));
    });
  }

  private enqueue(task: () => Promise<void> | void): void {
    this.queue = this.queue.then(task).catch((err: unknown) => {
      this.logger.error({ err }, 'consensus task failed');
    });
  }

  private async perform(actions: readonly EngineAction[]): Promise<void> {
    for (const a of actions) {
      if (this.stopped) return;
      switch (a.type) {
        case 'persist': {
          const end = this.metrics.walSeconds.startTimer();
          await this.signing.save(a.state);
          end();
          break;
        }
        case 'broadcast':
          this.network.publish('consensus', encodeConsensusMessage(a.message)).catch((err: unknown) => {
            this.logger.debug({ err }, 'consensus publish failed');
          });
          break;
        case 'schedule': {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            this.enqueue(() => this.perform(this.engine.handleTimeout(a.timeout)));
          }, a.delayMs);
          this.timers.add(timer);
          break;
        }
        case 'commit': {
          await this.processor.commit(a.block, a.certificate);
          this.network
            .publish('block', encodeBlockMessage({ block: a.block, certificate: a.certificate }))
            .catch(() => undefined);
          this.startNextHeight();
          break;
        }
        case 'evidence': {
          const tx: Tx = {
            version: 1,
            chainId: this.genesis.chainId,
            inputs: [],
            outputs: [],
            lockTime: 0,
            body: { kind: 'evidence', first: a.first, second: a.second },
            witnesses: [],
          };
          const bytes = encodeTx(tx);
          const r = this.mempool.addBytes(bytes, this.chain.state, Date.now());
          if (r.ok) this.network.publishTx(bytes);
          this.logger.warn(
            { voter: toHex(a.first.voter), height: a.first.height },
            'equivocation evidence found',
          );
          break;
        }
        case 'behind':
          this.requestSync();
          break;
      }
    }
  }

  private onConsensus(bytes: Uint8Array): void {
    let message: ReturnType<typeof decodeConsensusMessage>;
    try {
      message = decodeConsensusMessage(bytes);
    } catch {
      return;
    }
    this.enqueue(() => this.perform(this.engine.handleMessage(message)));
  }

  private async onBlockMessage(bytes: Uint8Array, _from: PeerId): Promise<void> {
    const before = this.chain.head.height;
    await this.importBytes(bytes.subarray(8), 'gossip');
    if (this.chain.head.height > before && this.engine.status().height <= this.chain.head.height) {
      this.startNextHeight();
    }
  }

  private validateGossipTx(bytes: Uint8Array): Promise<GossipVerdict> {
    return this.txChecks.run(() => this.checkGossipTx(bytes));
  }

  private checkGossipTx(bytes: Uint8Array): GossipVerdict {
    const r = this.mempool.addBytes(bytes, this.chain.state, Date.now());
    if (r.ok) return ACCEPT;
    this.metrics.txsRejected.inc({ source: 'gossip', code: r.code });
    // Only what is wrong whatever the state is the sender's fault; a refusal that depends on this
    // LEAG's view (spent, duplicate, full, a window that just closed) is ignored, not punished.
    return STATELESS_FAILURES.has(r.code) ? reject(r.code) : ignore(r.code);
  }

  private validateConsensus(bytes: Uint8Array): GossipVerdict {
    try {
      decodeConsensusMessage(bytes);
      return ACCEPT;
    } catch (err) {
      return reject(err instanceof Error ? err.message : 'malformed');
    }
  }

  /**
   * A certified block is relayed only when this node can check it: the next
   * height, with a certificate of more than 2/3 of the committee this node
   * computes itself. Blocks further ahead are not relayed; they tell us to sync,
   * and sync verifies them one by one.
   */
  private validateBlockMessage(bytes: Uint8Array): GossipVerdict {
    const announced = blockMessageHeight(bytes);
    if (announced !== null && announced <= this.chain.head.height) return ignore('stale');
    let certified: ReturnType<typeof decodeCertifiedBlock>;
    try {
      certified = decodeBlockMessage(bytes);
    } catch (err) {
      this.metrics.blocksRejected.inc({ source: 'gossip', code: 'malformed' });
      return reject(err instanceof Error ? err.message : 'malformed');
    }
    const { block, certificate } = certified;
    const head = this.chain.head.height;
    if (block.header.height <= head) return ignore('stale');
    if (block.header.height > head + 1) {
      this.requestSync();
      return ignore('ahead');
    }
    const committee = this.processor.committee();
    if (!committee) return ignore('no-committee');
    const check = verifyCertificate(certificate, committee, this.genesis.chainId);
    if (!check.ok || !bytesEqual(certificate.blockHash, blockHash(block.header))) {
      this.metrics.blocksRejected.inc({ source: 'gossip', code: 'invalid-certificate' });
      return reject(check.ok ? 'certificate-mismatch' : check.reason);
    }
    return ACCEPT;
  }

  private requestSync(): void {
    if (this.syncing || this.stopped || this.consensusState !== 'running') return;
    void this.sync().then(() => {
      if (this.engine.status().height <= this.chain.head.height) this.startNextHeight();
    });
  }

  private async serveBlocks(from: number, to: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (let h = from; h <= Math.min(to, this.chain.head.height); h++) {
      const block = await this.chain.decodedBlockAt(h);
      const certificate = await this.chain.certificateAt(h);
      if (!block || !certificate) break;
      out.push(encodeCertifiedBlock({ block, certificate }));
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await this.api?.close().catch(() => undefined);
    await this.network?.stop().catch(() => undefined);
    await this.queue;
    await this.chain?.close();
    this.logger.info({}, 'LEAG stopped');
  }
}
