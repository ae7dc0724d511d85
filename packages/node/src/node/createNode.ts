import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import {
  ChainExecutor,
  type ConsensusDriver,
  cachedVoteVerifier,
  chainRules,
  createChainMempool,
  readLeags,
  type SigningState,
} from '@v2g/consensus';
import { type Genesis, genesisFromJson, type KeyPair, toHex } from '@v2g/core';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApi } from '../api/server.ts';
import type { NodeConfig } from '../config/config.ts';
import { readKeyFile } from '../config/keyFile.ts';
import { HealthMonitor } from '../health/healthMonitor.ts';
import { healthSettings } from '../health/healthSettings.ts';
import { processMemory } from '../health/memorySample.ts';
import { createLogger } from '../logger.ts';
import { SliceQueue } from '../mempool/sliceQueue.ts';
import { createConsensusMetrics } from '../metrics/consensusMetrics.ts';
import { createNodeMetrics, type NodeMetrics } from '../metrics/nodeMetrics.ts';
import { LeagAllowList } from '../network/leagAllowList.ts';
import { createNetwork, type Network } from '../network/network.ts';
import { leagKeyFromPeerId } from '../network/peerIdentity.ts';
import { ChainStore } from '../storage/chainStore.ts';
import { EvidenceJournal } from '../storage/evidenceJournal.ts';
import { LevelSigningStateStore } from '../storage/signingStateStore.ts';
import { BlockGossip } from './blockGossip.ts';
import { blockServer } from './blockServer.ts';
import { publishCommit } from './commitEvents.ts';
import { ConsensusGossip } from './consensusGossip.ts';
import { createConsensusDriver } from './consensusPorts.ts';
import { describeConsensus, type NodeState } from './nodeState.ts';
import { restorePending } from './restorePending.ts';
import { isStoreError, StoreRecovery } from './storeRecovery.ts';
import { testBehaviour } from './testBehaviour.ts';
import { TxIngress } from './txIngress.ts';

/** A running LEAG: its parts start in order and stop in reverse. */
export interface LeagNode {
  readonly config: NodeConfig;
  readonly genesis: Genesis;
  readonly key: KeyPair;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: NodeMetrics;
  /** Emits each committed block's events under their stream topics (commitEvents.ts). */
  readonly events: EventEmitter;
  readonly httpPort: number;
  readonly state: NodeState;
  readonly driver: ConsensusDriver;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The composition root of a LEAG: chain store, mempool and executor; the
 * transaction ingress; the network with its gossip validators; the
 * consensus driver over its daemon ports; the HTTP API. Nothing here
 * decides anything: the rules live in core and consensus, and each part
 * gets only what it needs.
 */
export async function createNode(config: NodeConfig): Promise<LeagNode> {
  const genesis = genesisFromJson(JSON.parse(await readFile(config.genesisFile, 'utf8')));
  const key = await readKeyFile(config.keyFile);
  const logger = createLogger(config.name, config.logLevel);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createNodeMetrics(registry);
  const events = new EventEmitter();
  events.setMaxListeners(1000);
  let state: NodeState = { kind: 'starting' };

  const behaviour = testBehaviour(config.testOnlyBehaviour, genesis.chainId);
  if (behaviour !== 'honest') logger.warn({ behaviour }, 'TEST ONLY: this LEAG is Byzantine on purpose');
  const chain = await ChainStore.open(config.dataDir, genesis);
  const signing = new LevelSigningStateStore(chain.wal);
  const evidenceJournal = new EvidenceJournal(chain.wal);
  const restored = await signing.load();
  const lastCertificate = (await chain.certificateAt(chain.head.height)) ?? null;
  logger.info({ height: chain.head.height, head: toHex(chain.head.hash) }, 'chain loaded');

  // One signature cache for gossip validation, the engine, certificates and the rules.
  const verifyVote = cachedVoteVerifier(1 << 16);
  const rules = chainRules({ verifyVote });
  const mempool = createChainMempool(
    genesis,
    { maxTxs: config.mempoolMaxTxs, maxBytes: config.mempoolMaxBytes },
    rules,
  );
  const leags = new LeagAllowList(readLeags(chain.state).map((l) => l.publicKey));
  /** Only a test-only equivocating leader moves its clock, to build a second block for the same round. */
  let timeSkewMs = 0;
  const executor = new ChainExecutor({
    storage: chain,
    genesis,
    rules,
    mempool,
    proposer: key.publicKey,
    now: () => Date.now() + timeSkewMs,
    verifyVote,
    lastCertificate,
    observer: {
      txRejected: (source, code) => metrics.txsRejected.inc({ source, code }),
      blockRejected: (source, code, reason) => {
        metrics.blocksRejected.inc({ source, code });
        if (source !== 'proposal') logger.warn({ source, code, reason }, 'block refused');
      },
      stageSeconds: (stage, s) =>
        (stage === 'build'
          ? metrics.buildSeconds
          : stage === 'validate'
            ? metrics.validateSeconds
            : metrics.commitSeconds
        ).observe(s),
      committed: (committed) => {
        const { block, txIds } = committed;
        const height = block.header.height;
        health?.blockCommitted(height);
        chain.txJournal.forget(txIds.map(toHex)).catch(() => undefined);
        chain.leagHistory
          .observe(chain.state, genesis, block)
          .catch((err: unknown) => logger.warn({ err, height }, 'LEAG history not written'));
        followCommittee();
        metrics.mempoolSize.set(mempool.size);
        for (const l of readLeags(chain.state)) leags.add(l.publicKey);
        const event = publishCommit({ genesis, state: () => chain.state, events, metrics }, committed);
        logger.info(
          { height, round: block.header.round, txs: block.txs.length, hash: event.hash.slice(0, 16) },
          'block committed',
        );
      },
    },
  });

  // Parts created after the executor, which its observer and the gossip validators reach through these.
  let health: HealthMonitor | undefined;
  let network: Network | undefined;
  /** Committee members are kept connected and are direct gossip peers (network/p2pOptions.ts). */
  const followCommittee = (): void => {
    const selection = executor.committee();
    if (selection.ok) network?.setCommittee(selection.committee.members.map((m) => m.publicKey));
  };
  let ingress: TxIngress | undefined;
  let driver: ConsensusDriver | undefined;
  const consensusGossip = new ConsensusGossip({
    genesis,
    executor,
    verifyVote,
    ahead: (signer, height) => driver?.receiveAhead(signer, height),
  });
  const blockGossip = new BlockGossip({
    genesis,
    executor,
    verifyVote,
    metrics,
    ahead: (sender, height) => driver?.receiveAhead(sender, height + 1),
  });
  network = await createNetwork(
    {
      logger,
      registry,
      keyPair: key,
      leags,
      validators: {
        tx: (bytes) => ingress!.gossip(bytes),
        consensus: (bytes) => consensusGossip.validate(bytes),
        block: (bytes, from) => blockGossip.validate(bytes, from),
      },
      blockSource: blockServer(chain, behaviour === 'forge-sync'),
    },
    { chainId: genesis.chainId, listen: [config.listen], bootstrap: config.bootstrap, p2p: config.p2p },
  );
  const net = network;
  ingress = new TxIngress({
    mempool,
    state: () => chain.state,
    metrics,
    checks: new SliceQueue(5),
    publish: (bytes) => net.publishTx(bytes),
    unavailable: () =>
      recovery?.failing ? 'the chain store cannot write; retry once the LEAG is healthy' : null,
  });
  const txIngress = ingress;
  const consensusMetrics = createConsensusMetrics(registry, () => driver?.status() ?? null, Date.now);
  const makeDriver = (restoredState: SigningState | null): ConsensusDriver =>
    createConsensusDriver({
      genesis,
      key,
      executor,
      restored: restoredState,
      signingStore: signing,
      network: net,
      verifyVote,
      submitEvidence: (tx) => {
        evidenceJournal.record(tx).catch((err: unknown) => logger.error({ err }, 'evidence not saved'));
        txIngress.evidence(tx);
      },
      health: () => health,
      halted: (err) => {
        if (isStoreError(err)) recovery?.failed(err);
      },
      byzantine:
        behaviour === 'honest' || behaviour === 'forge-sync'
          ? null
          : {
              chainId: genesis.chainId,
              key,
              behaviour,
              alternative: (m) => {
                timeSkewMs = 1;
                const alt = executor.propose(m.height, m.round, m.block.lastCommit);
                timeSkewMs = 0;
                return alt;
              },
              lateMs: () => 40 + Math.floor(Math.random() * 200),
            },
      committee: () => {
        const selection = executor.committee();
        return selection.ok ? selection.committee.members.map((m) => m.publicKey) : [];
      },
      metrics,
      consensusMetrics,
      logger,
    });
  driver = makeDriver(restored);
  let recovery: StoreRecovery | undefined;
  health = new HealthMonitor(
    {
      logger,
      registry,
      now: Date.now,
      head: () => chain.head.height,
      consensus: () => {
        const s = driver!.status();
        return { height: s.height, round: s.round, step: s.step };
      },
      halted: () => (driver!.state.kind === 'halted' ? driver!.state.reason : null),
      memory: processMemory,
    },
    healthSettings(config, genesis.params.consensus.blockIntervalMs),
  );
  const monitor = health;
  recovery = new StoreRecovery({
    chain,
    health: monitor,
    logger,
    registry,
    recovered: async () => {
      // Consensus starts over from what is on disk: a vote that was never saved was never sent.
      await driver?.stop();
      executor.reset((await chain.certificateAt(chain.head.height)) ?? null);
      driver = makeDriver(await signing.load());
      driver.start(connectedLeags());
    },
  });
  const storeRecovery = recovery;

  net.onMessage('consensus', (bytes) => driver!.receiveMessage(consensusGossip.message(bytes)));
  net.onDirect((bytes) => {
    const verdict = consensusGossip.validate(bytes);
    if (verdict.result === 'accept') driver!.receiveMessage(consensusGossip.message(bytes));
    else consensusMetrics.directRejected.inc({ reason: verdict.reason });
  });
  net.onMessage('block', (bytes, from) => {
    const sender = leagKeyFromPeerId(from);
    if (sender) driver!.receiveBlocks(sender, [blockGossip.block(bytes)], 'gossip');
  });

  const api = createApi(
    {
      chain,
      mempool,
      registry,
      metrics,
      logger,
      events,
      submitTx: async (bytes) => {
        const r = txIngress.submit(bytes);
        // The 202 goes out once the journal holds the transaction: a kill after it loses nothing.
        if (r.ok)
          await chain.txJournal
            .add(r.pending.idHex, bytes)
            .catch((err: unknown) => logger.warn({ err }, 'tx journal write failed'));
        return r;
      },
      peers: () =>
        net.connectedPeers().map((p) => {
          const k = leagKeyFromPeerId(p);
          return { peerId: p.toString(), leag: k ? toHex(k) : null };
        }),
      committee: () => {
        const selection = executor.committee();
        const names = new Map(readLeags(chain.state).map((l) => [toHex(l.publicKey), l.name]));
        return (selection.ok ? selection.committee.members : []).map((m) => ({
          publicKey: toHex(m.publicKey),
          name: names.get(toHex(m.publicKey)) ?? '',
          reputationPpm: m.weight,
        }));
      },
      status: () => ({ syncing: driver!.status().syncing, consensus: describeConsensus(state) }),
      health: monitor,
    },
    { bodyLimit: 4 * 1024 * 1024, limits: config },
  );

  let stopping = false;
  function connectedLeags(): Uint8Array[] {
    return net.connectedPeers().flatMap((p) => {
      const k = leagKeyFromPeerId(p);
      return k ? [k] : [];
    });
  }

  async function bootConsensus(): Promise<void> {
    if (config.minPeers > 0) {
      state = { kind: 'waiting-for-peers', want: config.minPeers };
      await net.waitForTopicPeers('consensus', config.minPeers, 60_000).catch(() => {
        logger.warn({ minPeers: config.minPeers }, 'consensus starting without enough topic peers');
      });
    }
    if (stopping) return;
    // Catch up from the LEAGs we are connected to before voting; sync retries on its own timer.
    driver!.start(connectedLeags());
    state = {
      kind: 'running',
      get consensus() {
        return driver!.state;
      },
    };
  }

  return {
    config,
    genesis,
    key,
    logger,
    registry,
    metrics,
    events,
    get driver() {
      return driver!;
    },
    get state() {
      return state;
    },
    get httpPort() {
      const addr = api.server.address();
      return typeof addr === 'object' && addr ? addr.port : config.httpPort;
    },
    async start() {
      // The network first: a transaction the API admits, or the journal gives back, is gossiped at once.
      await net.start();
      await restorePending(chain, mempool, txIngress, evidenceJournal);
      await api.listen({ host: config.httpHost, port: config.httpPort });
      followCommittee();
      txIngress.start();
      monitor.start();
      logger.info({ http: config.httpPort, p2p: net.multiaddrs() }, 'LEAG started');
      void bootConsensus();
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      state = { kind: 'stopping' };
      txIngress.stop();
      monitor.stop();
      storeRecovery.stop();
      await api.close().catch(() => undefined);
      await driver!.stop();
      await net.stop().catch(() => undefined);
      await chain.close();
      state = { kind: 'stopped' };
      logger.info({}, 'LEAG stopped');
    },
  };
}
