import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { HealthMonitor } from '../health/healthMonitor.ts';
import type { ChainStore } from '../storage/chainStore.ts';

const RETRY_MS = 2000;

/** Whether an error came from the disk or LevelDB rather than from a rule or a bug. */
export function isStoreError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('LEVEL_') || code === 'ENOSPC' || code === 'EIO'))
    return true;
  return /No space left|IO error|Input\/output error/i.test(err.message);
}

function isDiskFull(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (err as { code?: unknown }).code === 'ENOSPC' || /No space left/i.test(err.message);
}

export interface StoreRecoveryComponents {
  readonly chain: ChainStore;
  readonly health: HealthMonitor;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Runs once the store writes again: start consensus afresh from the durable signing state. */
  readonly recovered: () => Promise<void>;
}

/**
 * What a LEAG does when its store stops writing (a full disk, an I/O error):
 * consensus has halted (the driver never sends what it could not save), the
 * ingress refuses new transactions, health reports `store-failing` (and
 * `disk-full`), and every 2 s the store is reopened and probed with one
 * durable write. When that succeeds the conditions clear and consensus
 * starts again from the signing state on disk, without a restart.
 */
export class StoreRecovery {
  private readonly c: StoreRecoveryComponents;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly recoveries: Counter;
  private readonly failures: Counter;

  constructor(components: StoreRecoveryComponents) {
    this.c = components;
    this.failures = new Counter({
      name: 'v2g_store_failures_total',
      help: 'Times the chain store stopped writing (consensus halted until it writes again)',
      registers: [components.registry],
    });
    this.recoveries = new Counter({
      name: 'v2g_store_recoveries_total',
      help: 'Times the chain store was reopened and consensus started again without a restart',
      registers: [components.registry],
    });
  }

  get failing(): boolean {
    return this.timer !== null;
  }

  failed(err: unknown): void {
    if (this.stopped || this.timer !== null) return;
    const message = err instanceof Error ? err.message : String(err);
    this.failures.inc();
    this.c.health.set('store-failing', true, `the chain store cannot write: ${message}`);
    if (isDiskFull(err))
      this.c.health.set('disk-full', true, `the data directory's disk is full: ${message}`);
    this.c.logger.error({ err }, 'chain store failing; consensus halted until it writes again');
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.attempt(), RETRY_MS);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.c.chain.reopen();
      await this.c.chain.probeWrite();
    } catch (err) {
      this.c.logger.debug({ err }, 'chain store still failing');
      if (!this.stopped) this.schedule();
      return;
    }
    this.timer = null;
    this.recoveries.inc();
    this.c.health.set('disk-full', false);
    this.c.health.set('store-failing', false);
    this.c.logger.info(
      { height: this.c.chain.head.height },
      'chain store writes again; consensus restarting',
    );
    await this.c.recovered();
  }
}
