import { type Block, type CommitCertificate, evidenceTx } from '@v2g/core';
import type { BlockSource } from '../chain/executor.ts';
import { ConsensusEngine } from '../engine.ts';
import type { EngineAction, Timeout } from '../interface.ts';
import { isPromise, type MaybePromise } from '../maybePromise.ts';
import type { ConsensusMessage } from '../messages.ts';
import type { CertifiedBlock, DriverComponents, DriverState, DriverStatus } from './driverTypes.ts';
import { DEFAULT_SYNC_OPTIONS, type SyncOptions, SyncScheduler } from './syncScheduler.ts';

export type * from './driverTypes.ts';

type Task = () => MaybePromise<void>;

/**
 * The one loop that drives the consensus engine, in the daemon and in the
 * simulator alike (decision 0011). It owns:
 *
 * - the input queue: messages, timeouts and blocks are handled one at a
 *   time, in arrival order, each to completion (a task may wait on a port);
 * - persist-then-send: the engine's actions are performed in order, and a
 *   `persist` completes before any later action of its batch; if the
 *   signing state cannot be saved, consensus halts and nothing after it is
 *   sent (a vote that was never saved never leaves);
 * - timers, through the `Clock` port;
 * - commit → next height, through the `ChainExecutor`, for our own
 *   decisions and for certified blocks from gossip and sync;
 * - block sync, through the `SyncScheduler` (retries on a timer).
 *
 * Ports may answer synchronously (the simulator) or with a promise (the
 * daemon); the driver only waits when it must.
 */
export class ConsensusDriver {
  private readonly c: DriverComponents;
  private readonly engine: ConsensusEngine;
  private readonly syncer: SyncScheduler;
  private readonly queue: Task[] = [];
  private readonly timers = new Set<() => void>();
  private current: DriverState = { kind: 'idle' };
  private busy = false;
  private lastCommitAt: number;
  /** The engine starts once the first catch-up is done (see `start`). */
  private engineStarted = false;
  private readonly syncOptions: SyncOptions;
  private idle: (() => void)[] = [];

  constructor(components: DriverComponents) {
    this.c = components;
    this.engine = new ConsensusEngine({
      chainId: components.chainId,
      signer: components.signer,
      validator: components.executor,
      params: components.params,
      restored: components.restored,
      verifyVote: components.verifyVote,
    });
    this.syncOptions = { ...DEFAULT_SYNC_OPTIONS, ...components.syncOptions };
    this.syncer = new SyncScheduler(
      components.sync,
      components.clock,
      this.syncOptions,
      () => components.executor.height,
    );
    this.lastCommitAt = components.clock.now();
  }

  get state(): DriverState {
    return this.current;
  }

  status(): DriverStatus {
    return {
      ...this.engine.status(),
      state: this.current,
      lastCommitAt: this.lastCommitAt,
      syncing: this.syncer.syncing,
      syncTarget: this.syncer.targetHeight,
    };
  }

  /** Engine inputs handled so far. */
  get inputsHandled(): number {
    return this.engine.inputsHandled;
  }

  /**
   * Starts: first catches up from `peers` (each asked for what it has past
   * our head), then starts the engine at the height after the head. A LEAG
   * whose signing state was lost (a new data directory) thus never signs at
   * a height the network has passed. The engine starts anyway after
   * `startWaitMs` if no peer answers.
   */
  start(peers: readonly Uint8Array[] = []): void {
    if (this.current.kind !== 'idle') return;
    this.current = { kind: 'running' };
    this.lastCommitAt = this.c.clock.now();
    for (const peer of peers) this.syncer.probe(peer);
    const deadline = this.c.clock.setTimer(this.syncOptions.startWaitMs, () => {
      this.timers.delete(deadline);
      this.enqueue(() => this.startEngine());
    });
    this.timers.add(deadline);
    this.enqueue(() => this.maybeStartEngine());
  }

  /** Stops for good: timers cancelled, queued inputs dropped. Resolves once the task under way has finished. */
  stop(): Promise<void> {
    if (this.current.kind !== 'halted') this.current = { kind: 'stopped' };
    this.shutdown();
    return this.whenIdle();
  }

  receiveMessage(message: ConsensusMessage): void {
    if (message.kind === 'vote') this.c.observer?.voteReceived?.(message.vote.type);
    this.enqueue(() => {
      this.c.observer?.inputHandled?.('message');
      return this.perform(this.engine.handleMessage(message));
    });
  }

  /**
   * Certified blocks from gossip or sync, in height order. Each is checked
   * against the committee this LEAG computes (a forged certificate is
   * refused by the executor) and committed; then the engine moves on.
   */
  receiveBlocks(from: Uint8Array, blocks: readonly CertifiedBlock[], source: BlockSource): void {
    const first = blocks[0];
    if (first === undefined) {
      if (source === 'sync') {
        this.syncer.answered(from, false, true);
        this.enqueue(() => this.maybeStartEngine());
      }
      return;
    }
    this.enqueue(() => {
      this.c.observer?.inputHandled?.('blocks');
      const before = this.c.executor.height;
      const top = blocks[blocks.length - 1]!.block.header.height;
      if (source === 'gossip' && first.block.header.height > before + 1) {
        this.syncer.behind(from, top);
        return;
      }
      return this.importFrom(blocks, 0, source, () => {
        const progressed = this.c.executor.height > before;
        if (source === 'sync') this.syncer.answered(from, progressed);
        if (!this.engineStarted) return this.maybeStartEngine();
        if (progressed) return this.startNextHeight();
      });
    });
  }

  /** The sync request to `from` failed (the network's answer); the scheduler retries later. */
  syncFailed(from: Uint8Array): void {
    if (this.current.kind === 'running') this.syncer.failed(from);
  }

  /** `peer` signed a message at `height` (seen by gossip validation): it holds blocks up to height − 1. */
  receiveAhead(peer: Uint8Array, height: number): void {
    if (this.current.kind === 'running' && height - 1 > this.c.executor.height)
      this.syncer.behind(peer, height - 1);
  }

  // ---- the loop ---------------------------------------------------------------------------------

  private enqueue(task: Task): void {
    if (this.current.kind !== 'running') return;
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    if (this.busy) return;
    this.busy = true;
    while (this.current.kind === 'running') {
      const task = this.queue.shift();
      if (task === undefined) break;
      let result: MaybePromise<void>;
      try {
        result = task();
      } catch (err) {
        this.halt(err);
        break;
      }
      if (isPromise(result)) {
        result.then(
          () => {
            this.busy = false;
            this.pump();
          },
          (err: unknown) => {
            this.busy = false;
            this.halt(err);
            this.settle();
          },
        );
        return;
      }
    }
    this.busy = false;
    this.settle();
  }

  private settle(): void {
    if (this.busy || (this.queue.length > 0 && this.current.kind === 'running')) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  private whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private halt(err: unknown): void {
    if (this.current.kind === 'halted' || this.current.kind === 'stopped') return;
    const reason = err instanceof Error ? err.message : String(err);
    this.current = { kind: 'halted', reason };
    this.shutdown();
    this.c.observer?.halted?.(reason, err);
  }

  private shutdown(): void {
    this.queue.length = 0;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    this.syncer.stop();
  }

  /**
   * Performs the engine's actions in order. A `persist` must be durable
   * before anything after it; a `commit` ends the batch (what follows it
   * belongs to the decided height, and the next height starts afresh).
   */
  private perform(actions: readonly EngineAction[], from = 0): MaybePromise<void> {
    for (let i = from; i < actions.length; i++) {
      const a = actions[i]!;
      switch (a.type) {
        case 'persist': {
          const started = performance.now();
          const saved = this.c.signingStore.save(a.state);
          const done = () => this.c.observer?.persistSeconds?.((performance.now() - started) / 1000);
          if (isPromise(saved))
            return saved.then(() => {
              done();
              return this.perform(actions, i + 1);
            });
          done();
          break;
        }
        case 'broadcast':
          this.c.network.broadcast(a.message);
          break;
        case 'send':
          this.c.network.sendTo(a.to, a.message);
          break;
        case 'schedule':
          this.schedule(a.timeout, a.delayMs);
          break;
        case 'commit':
          return this.commit(a.block, a.certificate, 'consensus', () => this.startNextHeight());
        case 'evidence':
          this.c.observer?.evidence?.(a.first, a.second);
          this.c.submitEvidence(evidenceTx(this.c.chainId, a.first, a.second));
          break;
        case 'behind':
          // Messages for `height` mean blocks up to height − 1 exist.
          this.syncer.behind(a.from, a.height - 1);
          break;
      }
    }
  }

  private schedule(timeout: Timeout, delayMs: number): void {
    const cancel = this.c.clock.setTimer(delayMs, () => {
      this.timers.delete(cancel);
      this.enqueue(() => {
        this.c.observer?.inputHandled?.('timeout');
        this.c.observer?.timeoutFired?.(timeout);
        return this.perform(this.engine.handleTimeout(timeout));
      });
    });
    this.timers.add(cancel);
  }

  private commit(
    block: Block,
    certificate: CommitCertificate,
    source: 'consensus' | BlockSource,
    then: () => MaybePromise<void>,
    durable = true,
  ): MaybePromise<void> {
    // A block we may vote above must be on disk first; sync batches fsync their last block only.
    const written = this.c.executor.commit(block, certificate, durable);
    const after = (): MaybePromise<void> => {
      this.lastCommitAt = this.c.clock.now();
      this.c.observer?.committed?.(block, certificate, source);
      if (source === 'consensus') this.c.network.announce(block, certificate);
      return then();
    };
    return isPromise(written) ? written.then(after) : after();
  }

  private importFrom(
    blocks: readonly CertifiedBlock[],
    i: number,
    source: BlockSource,
    then: () => MaybePromise<void>,
  ): MaybePromise<void> {
    for (let j = i; j < blocks.length; j++) {
      const { block, certificate } = blocks[j]!;
      if (block.header.height <= this.c.executor.height) continue;
      if (!this.c.executor.checkCertified(block, certificate, source).ok) break;
      const last = j === blocks.length - 1;
      return this.commit(
        block,
        certificate,
        source,
        () => this.importFrom(blocks, j + 1, source, then),
        source !== 'sync' || last,
      );
    }
    return then();
  }

  private maybeStartEngine(): MaybePromise<void> {
    if (!this.engineStarted && !this.syncer.syncing) return this.startEngine();
  }

  private startEngine(): MaybePromise<void> {
    if (this.engineStarted) return;
    this.engineStarted = true;
    return this.startNextHeight();
  }

  /** Moves the engine to the height after the head, with the committee the head's state selects. */
  private startNextHeight(): MaybePromise<void> {
    if (!this.engineStarted) return;
    const height = this.c.executor.height + 1;
    const status = this.engine.status();
    if (status.step !== 'stopped' && status.height >= height) return;
    const selection = this.c.executor.committee();
    if (!selection.ok) throw new Error(`no committee for height ${height}: ${selection.reason}`);
    return this.perform(
      this.engine.startHeight({
        height,
        committee: selection.committee,
        lastCommit: this.c.executor.lastCertificate,
        leaderRotation: this.c.executor.leaderRotation(),
      }),
    );
  }
}
