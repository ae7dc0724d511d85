import {
  type ByzantineContext,
  type ChainExecutor,
  ConsensusDriver,
  type ConsensusMessage,
  encodeConsensusMessage,
  misbehave,
  type SigningState,
  type SigningStateStore,
  type VoteVerifier,
} from '@v2g/consensus';
import { type Genesis, type KeyPair, signMessage, type Tx, toHex } from '@v2g/core';
import type { Logger } from 'pino';
import { decodeCertifiedBlock, encodeBlockMessage } from '../chain/certifiedBlock.ts';
import type { HealthMonitor } from '../health/healthMonitor.ts';
import type { ConsensusMetrics } from '../metrics/consensusMetrics.ts';
import type { NodeMetrics } from '../metrics/nodeMetrics.ts';
import type { Network } from '../network/network.ts';
import { peerIdFromLeagKey } from '../network/peerIdentity.ts';

const SYNC_BATCH = 256;

export interface ConsensusPortsComponents {
  readonly genesis: Genesis;
  readonly key: KeyPair;
  readonly executor: ChainExecutor;
  readonly restored: SigningState | null;
  readonly signingStore: SigningStateStore;
  readonly network: Network;
  readonly verifyVote: VoteVerifier;
  readonly submitEvidence: (tx: Tx) => void;
  readonly metrics: NodeMetrics;
  readonly consensusMetrics: ConsensusMetrics;
  readonly logger: Logger;
  readonly health: () => HealthMonitor | undefined;
  /** Consensus halted (a failed write, no committee); the error says why. */
  readonly halted: (err: unknown) => void;
  /** TEST ONLY: how this LEAG misbehaves (null: honestly). */
  readonly byzantine: ByzantineContext | null;
  /** The committee members' keys for the next height (where a Byzantine split goes). */
  readonly committee: () => readonly Uint8Array[];
}

/**
 * The daemon's side of the driver's ports: wall-clock timers, gossip and
 * the direct channel, block sync over libp2p, the LevelDB signing state,
 * metrics and logs. The simulator implements the same ports in
 * `consensus/src/sim/simNode.ts`.
 */
export function createConsensusDriver(c: ConsensusPortsComponents): ConsensusDriver {
  const { network, logger } = c;
  const publish = (message: ConsensusMessage) =>
    network.publish('consensus', encodeConsensusMessage(message)).catch((err: unknown) => {
      logger.debug({ err }, 'consensus publish failed');
    });
  /** Honest LEAGs send as the engine says; a test-only Byzantine one bends its own messages first. */
  const emit = (message: ConsensusMessage, to: Uint8Array | null): void => {
    const send = (m: ConsensusMessage): void => {
      if (to === null) void publish(m);
      else network.sendTo(to, encodeConsensusMessage(m));
    };
    if (c.byzantine === null) {
      send(message);
      return;
    }
    misbehave(c.byzantine, message, to !== null, (m, extraDelayMs) => {
      if (extraDelayMs === undefined) {
        send(m);
        return;
      }
      // Each committee member gets one version now and the other later, directly.
      c.committee().forEach((member, i) => {
        const delay = extraDelayMs(i);
        const deliver = () => network.sendTo(member, encodeConsensusMessage(m));
        if (delay === 0) deliver();
        else setTimeout(deliver, delay);
      });
    });
  };
  const driver: ConsensusDriver = new ConsensusDriver({
    chainId: c.genesis.chainId,
    params: c.genesis.params.consensus,
    signer: { publicKey: c.key.publicKey, sign: (payload) => signMessage(c.key.secretKey, payload) },
    executor: c.executor,
    restored: c.restored,
    signingStore: c.signingStore,
    verifyVote: c.verifyVote,
    submitEvidence: c.submitEvidence,
    clock: {
      now: () => Date.now(),
      setTimer(delayMs, callback) {
        const timer = setTimeout(callback, delayMs);
        return () => clearTimeout(timer);
      },
    },
    network: {
      broadcast(message) {
        emit(message, null);
      },
      sendTo(peer, message) {
        emit(message, peer);
      },
      announce(block, certificate) {
        network.publish('block', encodeBlockMessage({ block, certificate })).catch(() => undefined);
      },
    },
    sync: {
      request(peer, from) {
        network.requestBlocks(peerIdFromLeagKey(peer), from, from + SYNC_BATCH - 1).then(
          (raw) => {
            const blocks = [];
            for (const bytes of raw) {
              try {
                blocks.push(decodeCertifiedBlock(bytes));
              } catch {
                c.metrics.blocksRejected.inc({ source: 'sync', code: 'malformed' });
                break;
              }
            }
            c.health()?.set('sync-failing', false);
            driver.receiveBlocks(peer, blocks, 'sync');
          },
          (err: unknown) => {
            logger.debug({ err, peer: toHex(peer).slice(0, 16), from }, 'sync request failed');
            const reason = err instanceof Error ? err.message : String(err);
            c.health()?.set('sync-failing', true, `sync from ${toHex(peer).slice(0, 16)} failed: ${reason}`);
            driver.syncFailed(peer);
          },
        );
      },
    },
    observer: {
      voteReceived: (type) => c.consensusMetrics.votesReceived.inc({ type }),
      timeoutFired: (t) => {
        if (t.step !== 'resend' && t.step !== 'start') c.consensusMetrics.timeouts.inc({ step: t.step });
      },
      persistSeconds: (s) => c.metrics.walSeconds.observe(s),
      halted: (reason, err) => {
        logger.error({ reason }, 'consensus halted');
        c.halted(err);
      },
      evidence: (first) =>
        logger.warn({ voter: toHex(first.voter), height: first.height }, 'equivocation evidence found'),
    },
  });
  return driver;
}
