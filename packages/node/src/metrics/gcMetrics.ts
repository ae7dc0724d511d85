import { constants, type NodeGCPerformanceDetail, PerformanceObserver, performance } from 'node:perf_hooks';
import { Counter, type Registry } from 'prom-client';

const KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Seconds of GC pauses by kind since the first registry asked, for the whole process. */
const totals = new Map<string, number>();
let observer: PerformanceObserver | null = null;

function observeGc(): void {
  if (observer) return;
  // Every entry of a batch counts: prom-client's nodejs_gc_duration_seconds observes only the first
  // entry of each callback, and a busy event loop delivers GC entries in batches.
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as { detail?: NodeGCPerformanceDetail }).detail;
      const kind = KINDS[detail?.kind ?? -1] ?? 'other';
      totals.set(kind, (totals.get(kind) ?? 0) + e.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

/**
 * `v2g_gc_seconds_total{kind}`: main-thread time in garbage-collection pauses
 * (perf_hooks 'gc' entries), and `v2g_event_loop_active_seconds_total`: the
 * event loop's busy time (event-loop utilization). Both are wall time, so on
 * a shared machine both stretch alike and their ratio is the share of the
 * main thread's work spent in GC pauses, which the benchmark reports. GC is
 * per process, so two nodes in one process (tests) report the same totals.
 */
export function createGcMetrics(register: Registry): { gcSeconds: Counter<'kind'>; loopActive: Counter } {
  observeGc();
  const loopActive = new Counter({
    name: 'v2g_event_loop_active_seconds_total',
    help: 'Time the event loop was busy (not waiting for I/O) since the process started',
    registers: [register],
    collect() {
      this.reset();
      this.inc(performance.eventLoopUtilization().active / 1000);
    },
  });
  const gcSeconds = new Counter({
    name: 'v2g_gc_seconds_total',
    help: 'Time in garbage-collection pauses, by kind (minor, major, incremental, weakcb)',
    labelNames: ['kind'] as const,
    registers: [register],
    collect() {
      this.reset();
      for (const [kind, seconds] of totals) this.inc({ kind }, seconds);
    },
  });
  return { gcSeconds, loopActive };
}
