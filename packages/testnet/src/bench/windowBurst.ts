/* biome-ignore-all lint/suspicious/noConsole: the benchmark reports on stdout */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeClient } from '@v2g/client';
import { type Tx, windowCloseHeight, windowOf } from '@v2g/core';
import { initNetwork } from '@v2g/node';
import { followBlocks } from '../blockStream.ts';
import { percentile } from '../percentile.ts';
import { startDaemon, stopDaemon, waitFor } from '../processes.ts';
import { submitAndCommit } from './batchSubmit.ts';
import { offerOrders, whyMissed } from './burstOffer.ts';
import { type BurstOrder, BurstPopulation } from './burstOrders.ts';
import { type SteadyFigures, sampleDaemon, steadyFigures } from './daemonSample.ts';
import { peakRssMb } from './procStats.ts';

export interface BurstOptions {
  readonly orders: number;
  readonly leags: number;
  /** Seconds before the window's estimated close at which the burst starts, and over which it is spread. */
  readonly burstSec: number;
  readonly windowBlocks: number;
  readonly blockIntervalMs: number;
  readonly port: number;
}

export interface BurstResult {
  readonly orders: number;
  readonly leags: number;
  readonly burstSec: number;
  readonly windowBlocks: number;
  readonly blockIntervalMs: number;
  readonly window: number;
  readonly closeHeight: number;
  /** Blocks left in the window, and the idle block rate it was estimated from, when the burst began. */
  readonly blocksLeftAtStart: number;
  readonly idleBlocksPerSec: number;
  /** Seconds from the burst's first order to the closing block's commit event on LEAG 0. */
  readonly closedAfterSec: number;
  readonly accepted: number;
  /** Accepted after being refused by backpressure and offered again. */
  readonly acceptedOnRetry: number;
  /** Every refused offer by code (an order refused twice counts twice), and orders never accepted by last code. */
  readonly refusedOffers: Record<string, number>;
  readonly neverAccepted: Record<string, number>;
  readonly committedInWindow: number;
  /** Accepted, yet not in a block of their window; codes from GET /v1/txs/:id (`dropped`), sampled. */
  readonly acceptedNotCommitted: number;
  readonly notCommittedCodes: Record<string, number>;
  /** Orders that did not make their window, refused or not included, over all orders. */
  readonly lateRate: number;
  /**
   * Had the window closed by the clock, at the close estimated when the burst
   * began: orders committed by then, and the late rate that would give.
   */
  readonly committedByEstimatedClose: number;
  readonly lateRateByClock: number;
  readonly latencyMs: { p50: number; p99: number };
  /** Per LEAG, from the burst's start to the close. */
  readonly perLeag: SteadyFigures[];
  readonly peakRssMb: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The window-close burst (issue 14): `orders` market orders from distinct
 * EVs reach their stations in the last `burstSec` seconds of a market window,
 * as in real markets where a late bid is a lost trade. The window closes at a
 * height, so "the last seconds" is estimated from the idle block rate; the
 * result says when the close really came.
 */
export async function windowBurst(o: BurstOptions): Promise<BurstResult> {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-bench-burst-'));
  const net = await initNetwork({
    dir,
    leags: o.leags,
    chainId: 'v2g-bench-burst',
    p2pBasePort: o.port,
    httpBasePort: o.port + 1000,
    committeeSize: 0,
    windowBlocks: o.windowBlocks,
    blockIntervalMs: o.blockIntervalMs,
  });
  const daemons = net.configPaths.map((p, i) => startDaemon(`leag-${i}`, p, join(dir, `leag-${i}.log`)));
  const clients = net.httpPorts.map((p) => new NodeClient(`http://127.0.0.1:${p}`));
  const urls = clients.map((c) => c.baseUrl);
  const commits = new Map<string, { height: number; at: number }>();
  const blockTimes: { height: number; at: number }[] = [];
  const abort = new AbortController();
  try {
    await waitFor('first block', 60_000 + o.leags * 15_000, async () =>
      (await clients[0]!.head()).height >= 1 ? true : undefined,
    );
    const follow = followBlocks(
      urls[0]!,
      (e) => {
        const at = performance.now();
        blockTimes.push({ height: e.height, at });
        for (const id of e.txIds) commits.set(id, { height: e.height, at });
      },
      abort.signal,
    ).catch(() => undefined);
    const pop = new BurstPopulation(net.genesis.chainId, net.leagKeys, o.orders);
    const setup = async (what: string, byLeag: Tx[][]) =>
      submitAndCommit(new Map(byLeag.map((txs, i) => [urls[i]!, txs])), commits, what, 300_000);
    const head0 = await clients[0]!.head();
    const w0 = windowOf(head0.height + 1, net.genesis);
    await setup('tariffs', [pop.tariffs(net.grid, w0, w0 + 200)]);
    await setup('registrations', pop.registrations(net.ra));
    // A deposit names the open window: leave it room to commit inside it.
    let cur = await clients[0]!.marketCurrent();
    while (cur.blocksLeft < 20) {
      await sleep(200);
      cur = await clients[0]!.marketCurrent();
    }
    await setup('deposits', pop.deposits(cur.window, 1_000_000));
    console.log(`  burst: ${o.orders} EVs registered and funded at height ${cur.height}`);

    // The target: the first window that closes at least burstSec + 5 s away at the idle block rate.
    await sleep(3000);
    const idleBlocksPerSec = blockRate(blockTimes, 3000);
    let target = windowOf(lastHeight(blockTimes) + 1, net.genesis);
    const secondsLeft = (w: number) =>
      (windowCloseHeight(w, net.genesis) - lastHeight(blockTimes)) / idleBlocksPerSec;
    while (secondsLeft(target) < o.burstSec + 5) target++;
    const closeHeight = windowCloseHeight(target, net.genesis);
    const orders = pop.orders(target, 14);
    while (secondsLeft(target) > o.burstSec) await sleep(20);
    const blocksLeftAtStart = closeHeight - lastHeight(blockTimes);
    console.log(
      `  burst: ${orders.length} orders for window ${target} (closes at ${closeHeight}, ${blocksLeftAtStart} blocks left at ${idleBlocksPerSec.toFixed(1)} blocks/s)`,
    );

    const before = await Promise.all(daemons.map((d, i) => sampleDaemon(d.child.pid!, urls[i]!)));
    const start = performance.now();
    const offered = await offerOrders(orders, urls, o.burstSec, () => lastHeight(blockTimes) >= closeHeight);
    // Wait for the close and a few blocks more, so that orders still pending are dropped and say why.
    await waitFor('the window close', 300_000, async () =>
      lastHeight(blockTimes) >= closeHeight ? true : undefined,
    );
    const closedAt = blockTimes.find((b) => b.height >= closeHeight)!.at;
    const after = await Promise.all(daemons.map((d, i) => sampleDaemon(d.child.pid!, urls[i]!)));
    await waitFor('three blocks past the close', 120_000, async () =>
      lastHeight(blockTimes) >= closeHeight + 3 ? true : undefined,
    );

    const latencies: number[] = [];
    const missed: BurstOrder[] = [];
    let committedInWindow = 0;
    let committedByEstimatedClose = 0;
    const estimatedClose = start + o.burstSec * 1000;
    for (const order of orders) {
      const sentAt = offered.firstOfferAt.get(order.id);
      if (sentAt === undefined) continue;
      const c = commits.get(order.id);
      if (c && c.height <= closeHeight) {
        committedInWindow++;
        if (c.at <= estimatedClose) committedByEstimatedClose++;
        latencies.push(c.at - sentAt);
      } else missed.push(order);
    }
    const notCommittedCodes = await whyMissed(missed, urls);
    abort.abort();
    await follow;
    return {
      orders: orders.length,
      leags: o.leags,
      burstSec: o.burstSec,
      windowBlocks: o.windowBlocks,
      blockIntervalMs: o.blockIntervalMs,
      window: target,
      closeHeight,
      blocksLeftAtStart,
      idleBlocksPerSec: Math.round(idleBlocksPerSec * 10) / 10,
      closedAfterSec: Math.round((closedAt - start) / 100) / 10,
      accepted: offered.firstOfferAt.size,
      acceptedOnRetry: offered.acceptedOnRetry,
      refusedOffers: offered.refusedOffers,
      neverAccepted: offered.neverAccepted,
      committedInWindow,
      acceptedNotCommitted: missed.length,
      notCommittedCodes,
      lateRate: (orders.length - committedInWindow) / orders.length,
      committedByEstimatedClose,
      lateRateByClock: (orders.length - committedByEstimatedClose) / orders.length,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      perLeag: before.map((b, i) => steadyFigures(b, after[i]!)),
      peakRssMb: await Promise.all(daemons.map((d) => peakRssMb(d.child.pid!))),
    };
  } finally {
    abort.abort();
    await Promise.all(daemons.map((d) => stopDaemon(d)));
    if (process.env.V2G_KEEP_BENCH) console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

function lastHeight(blocks: readonly { height: number }[]): number {
  return blocks.length > 0 ? blocks[blocks.length - 1]!.height : 0;
}

/** Blocks per second over the last `ms` of block events. */
function blockRate(blocks: readonly { height: number; at: number }[], ms: number): number {
  const last = blocks[blocks.length - 1];
  if (!last) return 1;
  const first = blocks.find((b) => b.at >= last.at - ms) ?? last;
  return last.height > first.height ? ((last.height - first.height) * 1000) / (last.at - first.at) : 1;
}
