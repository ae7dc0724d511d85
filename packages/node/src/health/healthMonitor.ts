import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createHealthMetrics, type HealthMetrics } from './healthMetrics.ts';
import type { MemorySample } from './memorySample.ts';

/**
 * What makes a LEAG unhealthy. The monitor watches `stalled`, `memory-high`
 * and (given `halted`) `consensus-halted` itself; the parts that see the
 * others report them with `set`.
 */
export const HEALTH_CONDITIONS = [
  'stalled',
  'sync-failing',
  'store-failing',
  'disk-full',
  'memory-high',
  'consensus-halted',
] as const;
export type HealthCondition = (typeof HEALTH_CONDITIONS)[number];

export interface HealthReason {
  readonly condition: HealthCondition;
  readonly message: string;
  /** Clock time the condition started. */
  readonly since: number;
}

export interface HealthReport {
  readonly healthy: boolean;
  readonly reasons: readonly HealthReason[];
}

/** Where consensus stands, for the reason of a stall. */
export interface ConsensusPosition {
  readonly height: number;
  readonly round: number;
  readonly step: string;
}

export interface HealthComponents {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly now: () => number;
  /** The chain head height, read on every check: a head that does not move is a stall. */
  readonly head: () => number;
  readonly consensus?: () => ConsensusPosition | null;
  /** Why consensus has stopped for good, or null while it runs. */
  readonly halted?: () => string | null;
  readonly memory?: () => MemorySample;
}

export interface HealthSettings {
  /** No new block for this long is a stall. */
  readonly stallAfterMs: number;
  /** RSS at or above 90 % of this is `memory-high`. */
  readonly memoryCeilingBytes: number;
  /** How often the monitor checks by itself once started. */
  readonly pollMs: number;
}

/** The share of a memory bound at which `memory-high` starts: near enough to act, before the OOM killer does. */
export const MEMORY_HIGH_SHARE = 0.9;
const MIB = 1024 * 1024;

/**
 * Tracks the conditions under which `/v1/health` must not say `ok`. Each
 * condition has a gauge (`v2g_health_condition{condition}`), a warning log
 * line when it starts and an info line when it clears. The clock is passed
 * in, so tests drive time.
 */
export class HealthMonitor {
  private readonly c: HealthComponents;
  private readonly settings: HealthSettings;
  private readonly metrics: HealthMetrics;
  private readonly active = new Map<HealthCondition, HealthReason>();
  private lastHeight: number;
  private lastProgressAt: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(c: HealthComponents, settings: HealthSettings) {
    this.c = c;
    this.settings = settings;
    this.metrics = createHealthMetrics(c.registry);
    for (const condition of HEALTH_CONDITIONS) this.metrics.condition.set({ condition }, 0);
    this.lastHeight = c.head();
    this.lastProgressAt = c.now();
  }

  /** Starts or clears a condition; a new message for one that holds replaces the old one silently. */
  set(condition: HealthCondition, holds: boolean, message: string = condition): void {
    const current = this.active.get(condition);
    if (!holds) {
      if (!current) return;
      this.active.delete(condition);
      this.metrics.condition.set({ condition }, 0);
      this.c.logger.info({ condition, lastedMs: this.c.now() - current.since }, 'health condition cleared');
      return;
    }
    if (current) {
      if (current.message !== message) this.active.set(condition, { ...current, message });
      return;
    }
    this.active.set(condition, { condition, message, since: this.c.now() });
    this.metrics.condition.set({ condition }, 1);
    this.c.logger.warn({ condition, reason: message }, 'health condition started');
  }

  /** A block was committed: the chain moves, whatever the next poll of the head would say. */
  blockCommitted(height: number): void {
    if (height > this.lastHeight) {
      this.lastHeight = height;
      this.lastProgressAt = this.c.now();
    }
    this.set('stalled', false);
  }

  /** Re-evaluates what the monitor watches itself: the head, consensus, memory. */
  check(): void {
    const now = this.c.now();
    const height = this.c.head();
    if (height > this.lastHeight) {
      this.lastHeight = height;
      this.lastProgressAt = now;
    }
    const idle = now - this.lastProgressAt;
    this.set('stalled', idle >= this.settings.stallAfterMs, this.stallMessage(idle));
    if (this.c.halted) {
      const reason = this.c.halted();
      this.set('consensus-halted', reason !== null, `consensus halted: ${reason}`);
    }
    if (this.c.memory) {
      const message = this.memoryMessage(this.c.memory());
      this.set('memory-high', message !== null, message ?? '');
    }
  }

  report(): HealthReport {
    this.check();
    const reasons = HEALTH_CONDITIONS.flatMap((c) => this.active.get(c) ?? []);
    return { healthy: reasons.length === 0, reasons };
  }

  holds(condition: HealthCondition): boolean {
    return this.active.has(condition);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.settings.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private stallMessage(idleMs: number): string {
    const where = this.c.consensus?.();
    const consensus = where
      ? `; consensus at height ${where.height}, round ${where.round}, step ${where.step}`
      : '';
    return `no new block for ${Math.floor(idleMs / 1000)} s (head ${this.lastHeight}${consensus})`;
  }

  private memoryMessage(m: MemorySample): string | null {
    const ceiling = this.settings.memoryCeilingBytes;
    if (m.rssBytes >= MEMORY_HIGH_SHARE * ceiling) {
      return `resident memory ${mib(m.rssBytes)} MiB is near the ${mib(ceiling)} MiB ceiling`;
    }
    if (m.heapUsedBytes >= MEMORY_HIGH_SHARE * m.heapLimitBytes) {
      return `heap ${mib(m.heapUsedBytes)} MiB is near its ${mib(m.heapLimitBytes)} MiB limit`;
    }
    return null;
  }
}

function mib(bytes: number): number {
  return Math.round(bytes / MIB);
}
