import type { GossipSub, GossipsubMessage } from '@chainsafe/libp2p-gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Logger } from 'pino';
import { NetworkError } from './errors.ts';
import type { NetworkMetrics } from './metrics.ts';
import { gossipTopic, TOPIC_KINDS, type TopicKind } from './topics.ts';
import { decodeGossipTxBatch } from './txBatch.ts';
import { type GossipVerdict, ignore, reject, toTopicValidatorResult } from './verdict.ts';

type MaybePromise<T> = T | Promise<T>;

/**
 * The daemon's validators, one per topic. The tx validator sees one
 * transaction at a time, already unpacked from its batch; it should return
 * `reject` only for a transaction that is invalid whatever the state
 * (malformed, bad signature), and `ignore` for state-dependent refusals
 * (duplicate, mempool full, spent input).
 */
export interface GossipValidators {
  tx(tx: Uint8Array, from: PeerId): MaybePromise<GossipVerdict>;
  consensus(data: Uint8Array, from: PeerId): MaybePromise<GossipVerdict>;
  block(data: Uint8Array, from: PeerId): MaybePromise<GossipVerdict>;
}

/** Receives accepted messages; for the tx topic, one call per accepted transaction. */
export type GossipHandler = (data: Uint8Array, from: PeerId) => void;

export interface GossipRouterComponents {
  pubsub: GossipSub;
  validators: GossipValidators;
  metrics: NetworkMetrics;
  logger: Logger;
}

/**
 * Translates between gossipsub and the daemon: size check, then the
 * daemon's verdict, reported back to gossipsub (which forwards only accepted
 * messages and penalises senders of rejected ones), then delivery.
 */
export class GossipRouter {
  private readonly components: GossipRouterComponents;
  private readonly limits: Readonly<Record<TopicKind, number>>;
  private readonly topics: Readonly<Record<TopicKind, string>>;
  private readonly kinds = new Map<string, TopicKind>();
  private readonly handlers: Record<TopicKind, Set<GossipHandler>> = {
    tx: new Set(),
    consensus: new Set(),
    block: new Set(),
  };
  private readonly listener = (event: CustomEvent<GossipsubMessage>): void => {
    void this.onGossip(event.detail);
  };

  private readonly maxPending: number;
  private pending = 0;

  constructor(
    components: GossipRouterComponents,
    chainId: string,
    limits: Readonly<Record<TopicKind, number>>,
    maxPendingValidations: number,
  ) {
    this.components = components;
    this.maxPending = maxPendingValidations;
    this.limits = limits;
    this.topics = {
      tx: gossipTopic(chainId, 'tx'),
      consensus: gossipTopic(chainId, 'consensus'),
      block: gossipTopic(chainId, 'block'),
    };
    for (const kind of TOPIC_KINDS) this.kinds.set(this.topics[kind], kind);
  }

  topic(kind: TopicKind): string {
    return this.topics[kind];
  }

  start(): void {
    const { pubsub } = this.components;
    pubsub.addEventListener('gossipsub:message', this.listener);
    for (const kind of TOPIC_KINDS) pubsub.subscribe(this.topics[kind]);
  }

  stop(): void {
    this.components.pubsub.removeEventListener('gossipsub:message', this.listener);
  }

  onMessage(kind: TopicKind, handler: GossipHandler): () => void {
    this.handlers[kind].add(handler);
    return () => this.handlers[kind].delete(handler);
  }

  /** Publishes and returns how many peers it was sent to (0 when no peer is subscribed yet). */
  async publish(kind: TopicKind, data: Uint8Array): Promise<number> {
    const limit = this.limits[kind];
    if (data.length > limit)
      throw new NetworkError({ code: 'message-too-large', topic: kind, size: data.length, limit });
    const { metrics } = this.components;
    try {
      const result = await this.components.pubsub.publish(this.topics[kind], data);
      metrics.gossipPublished.inc({ topic: kind });
      metrics.gossipPublishedBytes.inc({ topic: kind }, data.length);
      return result.recipients.length;
    } catch (err) {
      metrics.gossipPublishErrors.inc({ topic: kind });
      throw err;
    }
  }

  private async onGossip({ msg, msgId, propagationSource }: GossipsubMessage): Promise<void> {
    const kind = this.kinds.get(msg.topic);
    if (kind === undefined) return;
    const { metrics, pubsub, logger } = this.components;
    const started = performance.now();
    metrics.gossipReceived.inc({ topic: kind });
    metrics.gossipReceivedBytes.inc({ topic: kind }, msg.data.length);
    let verdict: GossipVerdict;
    let deliver: Uint8Array[] = [];
    if (msg.data.length > this.limits[kind]) {
      verdict = reject('too-large');
    } else if (this.pending >= this.maxPending) {
      // Validators are async; without a bound a flood would pile up unbounded work and memory.
      verdict = ignore('overloaded');
    } else {
      this.pending++;
      try {
        if (kind === 'tx') {
          ({ verdict, deliver } = await this.validateTxBatch(msg.data, propagationSource));
        } else {
          verdict = await this.runValidator(kind, () =>
            this.components.validators[kind](msg.data, propagationSource),
          );
          if (verdict.result === 'accept') deliver = [msg.data];
        }
      } finally {
        this.pending--;
      }
    }
    pubsub.reportMessageValidationResult(
      msgId,
      propagationSource.toString(),
      toTopicValidatorResult(verdict),
    );
    metrics.gossipValidated.inc({
      topic: kind,
      result: verdict.result,
      reason: verdict.result === 'accept' ? '' : verdict.reason,
    });
    metrics.gossipValidationSeconds.observe({ topic: kind }, (performance.now() - started) / 1000);
    if (verdict.result !== 'accept')
      logger.debug(
        { topic: kind, peer: propagationSource.toString(), ...verdict },
        'gossip message not accepted',
      );
    for (const data of deliver) this.deliver(kind, data, propagationSource);
  }

  /**
   * A malformed batch, or one carrying a transaction that is invalid on its
   * face, is rejected: an honest LEAG only batches transactions it verified.
   * Accepted transactions are handed over even then; they are valid.
   */
  private async validateTxBatch(
    data: Uint8Array,
    from: PeerId,
  ): Promise<{ verdict: GossipVerdict; deliver: Uint8Array[] }> {
    let txs: Uint8Array[];
    try {
      txs = decodeGossipTxBatch(data, this.limits.tx);
    } catch {
      return { verdict: reject('malformed-batch'), deliver: [] };
    }
    const verdicts = await Promise.all(
      txs.map((tx) => this.runValidator('tx', () => this.components.validators.tx(tx, from))),
    );
    const deliver: Uint8Array[] = [];
    let rejected: GossipVerdict | null = null;
    for (const [i, v] of verdicts.entries()) {
      this.components.metrics.txsReceived.inc({ result: v.result });
      if (v.result === 'accept') deliver.push(txs[i]!);
      else if (v.result === 'reject') rejected ??= v;
    }
    return { verdict: rejected ?? { result: 'accept' }, deliver };
  }

  private async runValidator(
    kind: TopicKind,
    validate: () => MaybePromise<GossipVerdict>,
  ): Promise<GossipVerdict> {
    try {
      return await validate();
    } catch (err) {
      this.components.logger.warn({ topic: kind, err }, 'gossip validator threw');
      return ignore('validator-error');
    }
  }

  private deliver(kind: TopicKind, data: Uint8Array, from: PeerId): void {
    for (const handler of this.handlers[kind]) {
      try {
        handler(data, from);
      } catch (err) {
        this.components.logger.warn({ topic: kind, err }, 'gossip handler threw');
      }
    }
  }
}
