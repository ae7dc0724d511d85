import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { NodeLimits } from '../config/config.ts';
import { HealthMonitor } from '../health/healthMonitor.ts';
import { healthSettings } from '../health/healthSettings.ts';
import { processMemory } from '../health/memorySample.ts';
import type { ChainStore } from '../storage/chainStore.ts';
import type { ApiApp } from './apiApp.ts';

export interface HealthRouteComponents {
  readonly chain: ChainStore;
  readonly logger: Logger;
  readonly registry: Registry;
  /** The node's own monitor, fed by the parts that see sync, store and disk trouble. */
  readonly health?: HealthMonitor;
  peers(): unknown[];
  mempoolSize(): number;
  status(): { syncing: boolean; consensus: string };
}

/**
 * `GET /v1/health`: 200 `ok` only when no health condition holds, else 503
 * `unhealthy` with the reasons. When the node brings no monitor, the API
 * runs one that watches what it can see itself: the chain head (stalls),
 * the consensus state string (`halted: …`) and the process's memory.
 */
export function registerHealthRoute(
  app: ApiApp,
  c: HealthRouteComponents,
  limits: Pick<NodeLimits, 'healthStallBlocks' | 'memoryCeilingMb'>,
): void {
  let monitor = c.health;
  if (!monitor) {
    const own = new HealthMonitor(
      {
        logger: c.logger,
        registry: c.registry,
        now: Date.now,
        head: () => c.chain.head.height,
        halted: () => {
          const s = c.status().consensus;
          return s.startsWith('halted') ? s.replace(/^halted:?\s*/, '') : null;
        },
        memory: processMemory,
      },
      healthSettings(limits, c.chain.genesis.params.consensus.blockIntervalMs),
    );
    own.start();
    app.addHook('onClose', async () => own.stop());
    monitor = own;
  }
  const health = monitor;

  app.get('/v1/health', async (_req, reply) => {
    const s = c.status();
    const report = health.report();
    return reply.status(report.healthy ? 200 : 503).send({
      status: report.healthy ? 'ok' : 'unhealthy',
      reasons: report.reasons,
      height: c.chain.head.height,
      peers: c.peers().length,
      mempool: c.mempoolSize(),
      syncing: s.syncing,
      consensus: s.consensus,
    });
  });
}
