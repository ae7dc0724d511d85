import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeClient } from '@v2g/client';
import { initNetwork } from '@v2g/node';
import { type DaemonProcess, startDaemon, stopDaemon, waitFor } from '../processes.ts';
import { cpuSeconds, peakRssMb } from './procStats.ts';
import { writeChain } from './syncChain.ts';

export interface SyncResult {
  readonly blocks: number;
  readonly txsPerBlock: number;
  /** From starting the fresh daemon to its head at `blocks`: start-up included. */
  readonly totalSeconds: number;
  /** From the fresh LEAG's head first at or past 10 % of the chain to the end: start-up excluded. */
  readonly steadySeconds: number;
  readonly blocksPerSec: number;
  /** Transactions replayed per second over the steady part (0 for empty blocks). */
  readonly txsPerSec: number;
  /** The fresh daemon's CPU over the steady part, and per transaction replayed in it. */
  readonly cpuSec: number;
  readonly cpuUsPerTx: number;
  readonly peakRssMb: number;
}

/**
 * A fresh LEAG catching up from one that holds a chain of `blocks` certified
 * blocks (written directly through the state machine and store), each with
 * `txsPerBlock` transfers after the first. Two LEAGs, both needed for a
 * quorum, so the chain stands still while the fresh one syncs.
 */
export async function syncScenario(blocks: number, txsPerBlock: number, port: number): Promise<SyncResult> {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-bench-sync-'));
  const net = await initNetwork({
    dir,
    leags: 2,
    chainId: 'v2g-bench-sync',
    p2pBasePort: port,
    httpBasePort: port + 1000,
    committeeSize: 0,
    windowBlocks: 1_000_000,
    blockIntervalMs: 1000,
  });
  await writeChain(join(dir, 'data', 'leag-0'), net.genesis, net.leagKeys, blocks, txsPerBlock);
  const server = startDaemon('leag-0', net.configPaths[0]!, join(dir, 'leag-0.log'));
  const client = new NodeClient(`http://127.0.0.1:${net.httpPorts[1]}`);
  let fresh: DaemonProcess | null = null;
  try {
    await waitFor(
      'the serving LEAG',
      60_000,
      async () => (await new NodeClient(`http://127.0.0.1:${net.httpPorts[0]}`).head()).height,
    );
    const start = performance.now();
    fresh = startDaemon('leag-1', net.configPaths[1]!, join(dir, 'leag-1.log'));
    const pid = fresh.child.pid!;
    const tenth = Math.max(2, Math.floor(blocks / 10));
    let steady: { at: number; height: number; cpuSec: number } | null = null;
    // Polled every 50 ms: an empty chain of a few thousand blocks syncs in seconds.
    let height = 0;
    while (height < blocks) {
      if (performance.now() - start > 900_000) throw new Error(`sync did not reach ${blocks} in 900 s`);
      await new Promise((r) => setTimeout(r, 50));
      height = await client.head().then(
        (h) => h.height,
        () => 0,
      );
      if (!steady && height >= tenth)
        steady = { at: performance.now(), height, cpuSec: await cpuSeconds(pid) };
    }
    const end = performance.now();
    const cpuSec = (await cpuSeconds(pid)) - (steady?.cpuSec ?? 0);
    const steadySeconds = steady ? (end - steady.at) / 1000 : Number.NaN;
    const steadyBlocks = blocks - (steady?.height ?? 0);
    // Block 1 holds the deposits; every later block `txsPerBlock` transfers.
    const steadyTxs = txsPerBlock * steadyBlocks;
    return {
      blocks,
      txsPerBlock,
      totalSeconds: (end - start) / 1000,
      steadySeconds,
      blocksPerSec: steadyBlocks / steadySeconds,
      txsPerSec: steadyTxs / steadySeconds,
      cpuSec,
      cpuUsPerTx: steadyTxs > 0 ? Math.round((cpuSec * 1e6) / steadyTxs) : Number.NaN,
      peakRssMb: await peakRssMb(pid),
    };
  } finally {
    await stopDaemon(server);
    if (fresh) await stopDaemon(fresh);
    await rm(dir, { recursive: true, force: true });
  }
}
