import { getHeapStatistics } from 'node:v8';

export interface MemorySample {
  /** Resident set size of the process. */
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** V8's heap limit (`--max-old-space-size` and the young generation): beyond it the process dies. */
  readonly heapLimitBytes: number;
}

/** The running process's memory, as the health monitor judges it. */
export function processMemory(): MemorySample {
  const heap = getHeapStatistics();
  return {
    rssBytes: process.memoryUsage.rss(),
    heapUsedBytes: heap.used_heap_size,
    heapLimitBytes: heap.heap_size_limit,
  };
}
