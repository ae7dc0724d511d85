import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeClient } from '@v2g/client';
import { toHex } from '@v2g/core';
import { initNetwork } from '@v2g/node';
import { followBlocks } from './blockStream.ts';
import { TrafficDriver } from './driver.ts';
import { type HostMode, openLeagHosts, placeConfigs } from './leagHosts.ts';
import { MarketDay } from './marketDay/marketDay.ts';
import { formatMarketReport, type MarketReport } from './marketDay/marketReport.ts';
import { percentile } from './percentile.ts';
import { type DaemonProcess, restartDaemon, startDaemon, stopDaemon, waitFor } from './processes.ts';
import { saveRunHistory } from './runHistory.ts';

export interface TestnetOptions {
  readonly nodes: number;
  readonly evs: number;
  readonly durationSec: number;
  /** Offered transfers per second. */
  readonly rate: number;
  readonly committee: number;
  readonly windowBlocks: number;
  readonly blockIntervalMs: number;
  /** Index of a LEAG to crash (SIGKILL) a third of the way in and restart at two thirds; -1 for none. */
  readonly faulty: number;
  readonly dir: string | null;
  readonly keep: boolean;
  readonly json: string | null;
  /** Per-window history (CSV, JSON, SVG charts) into this directory, and windows.csv to `csv` (runHistory.ts). */
  readonly reportDir?: string | null;
  readonly csv?: string | null;
  readonly basePort: number;
  /** Each LEAG in its own network namespace (`netns`, with `latencyMs` between hosts) or all on loopback (default). */
  readonly hosts?: HostMode;
  readonly latencyMs?: number;
  readonly quiet: boolean;
  /** The realistic market day (marketDay/marketDay.ts) next to the transfer load; off when absent or null. */
  readonly market?: MarketDayConfig | null;
}

export interface MarketDayConfig {
  readonly evs: number;
  /** Share of the market EVs (0..1) that fail their deliveries. */
  readonly dishonestShare: number;
  readonly seed: number;
}

export interface TestnetReport {
  readonly nodes: { name: string; height: number; hash: string; reputationPpm: number }[];
  readonly agreed: boolean;
  readonly commonHeight: number;
  readonly blocks: number;
  readonly committedTxs: number;
  readonly submittedTxs: number;
  readonly refused: Record<string, number>;
  readonly durationSec: number;
  readonly txPerSec: number;
  readonly latencyMs: { p50: number; p99: number; samples: number };
  readonly market: MarketReport | null;
}

/**
 * The local multi-LEAG testnet: N daemons as separate processes on loopback,
 * EV traffic through their HTTP APIs, live progress, and a report.
 */
export async function runTestnet(o: TestnetOptions, log: (line: string) => void): Promise<TestnetReport> {
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'v2g-testnet-')));
  const net = await initNetwork({
    dir,
    leags: o.nodes,
    chainId: 'v2g-testnet',
    p2pBasePort: o.basePort,
    httpBasePort: o.basePort + 1000,
    committeeSize: o.committee,
    windowBlocks: o.windowBlocks,
    blockIntervalMs: o.blockIntervalMs,
  });
  const hosts = await openLeagHosts({
    mode: o.hosts ?? 'loopback',
    leags: o.nodes,
    latencyMs: o.latencyMs ?? 0,
    basePort: o.basePort,
  });
  if (hosts.mode === 'netns') await placeConfigs(hosts, net.configPaths, net.leagKeys);
  log(
    `testnet: ${o.nodes} LEAGs in ${dir}${hosts.mode === 'netns' ? `, each on its own host, ${o.latencyMs ?? 0} ms between hosts` : ''}`,
  );
  const daemons: DaemonProcess[] = net.configPaths.map((p, i) =>
    startDaemon(`leag-${i}`, p, join(dir, `leag-${i}.log`), (argv) => hosts.command(i, argv)),
  );
  const clients = net.configPaths.map((_, i) => new NodeClient(hosts.apiUrl(i)));
  const abort = new AbortController();
  const stopAll = async () => {
    abort.abort();
    await Promise.all(daemons.map((d) => stopDaemon(d)));
    await hosts.close();
  };
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  try {
    await Promise.all(
      clients.map((c, i) => waitFor(`leag-${i} API`, 120_000, async () => (await c.health()).status)),
    );
    log('testnet: all APIs up, waiting for the first block');
    await waitFor('the first block', 120_000, async () =>
      (await clients[0]!.head()).height >= 1 ? true : undefined,
    );

    const driver = new TrafficDriver({
      genesis: net.genesis,
      ra: net.ra,
      grid: net.grid,
      leagKeys: net.leagKeys,
      clients,
      evCount: o.evs,
      coinsPerEv: Math.min(64, Math.max(4, Math.ceil((o.rate * 2) / Math.max(1, o.evs)))),
    });
    const market = o.market
      ? new MarketDay({
          genesis: net.genesis,
          ra: net.ra,
          grid: net.grid,
          leagKeys: net.leagKeys,
          clients,
          evCount: o.market.evs,
          dishonestShare: o.market.dishonestShare,
          seed: o.market.seed,
          // Tariffs for every window the run can reach, with blocks at the target interval.
          windows: Math.min(
            2000,
            Math.ceil((o.durationSec * 1000) / o.blockIntervalMs / o.windowBlocks) + 10,
          ),
          onAccepted: (id) => driver.track(id),
          log,
        })
      : null;
    let committedTxs = 0;
    let blocks = 0;
    const followed = followBlocks(
      clients[0]!.baseUrl,
      (e) => {
        blocks++;
        committedTxs += e.txs;
        const at = performance.now();
        for (const id of e.txIds) driver.onCommitted(id, at);
        market?.onBlock(e.height, e.txIds);
      },
      abort.signal,
    ).catch(() => undefined);

    const start = performance.now();
    const head0 = (await clients[0]!.head()).height;
    // The market day publishes its own tariffs, one per window over the day.
    if (!market) await driver.tariffs(0, 100, 300, 80);
    await driver.registerAll();
    await driver.depositAll(head0, 1_000_000);
    const end = start + o.durationSec * 1000;
    const marketRun = market
      ?.run(() => interrupted || performance.now() >= end, 30_000)
      .catch((err: unknown) => log(`market: stopped: ${String(err)}`));
    let lastReport = start;
    let lastCommitted = 0;
    let crashed = false;
    let restarted = false;
    const tick = 100;
    while (performance.now() < end && !interrupted) {
      const now = performance.now();
      const elapsed = (now - start) / (o.durationSec * 1000);
      if (o.faulty >= 0 && !crashed && elapsed > 1 / 3) {
        crashed = true;
        log(`testnet: crashing leag-${o.faulty} with SIGKILL`);
        await stopDaemon(daemons[o.faulty]!, 'SIGKILL');
      }
      if (o.faulty >= 0 && crashed && !restarted && elapsed > 2 / 3) {
        restarted = true;
        log(`testnet: restarting leag-${o.faulty}`);
        restartDaemon(daemons[o.faulty]!);
      }
      await driver.transfers(Math.max(1, Math.round((o.rate * tick) / 1000))).catch(() => 0);
      if (now - lastReport >= 1000) {
        const heights = await Promise.all(
          clients.map((c) =>
            c
              .head()
              .then((h) => h.height)
              .catch(() => -1),
          ),
        );
        const rate = ((committedTxs - lastCommitted) * 1000) / (now - lastReport);
        if (!o.quiet) {
          log(
            `height ${heights.join('/')}  committed ${committedTxs} txs  ${rate.toFixed(0)} tx/s  submitted ${driver.submitted}${market ? `  ${market.progress()}` : ''}`,
          );
        }
        lastReport = now;
        lastCommitted = committedTxs;
      }
      const wait = tick - (performance.now() - now);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    if (o.faulty >= 0 && crashed && !restarted) restartDaemon(daemons[o.faulty]!);

    // Let the last submitted transactions commit and a restarted LEAG catch up.
    const target = (await clients[0]!.head()).height + 2;
    await waitFor('all LEAGs to reach a common height', 60_000, async () => {
      const hs = await Promise.all(clients.map((c) => c.head().then((h) => h.height)));
      return hs.every((h) => h >= target) ? true : undefined;
    }).catch(() => log('testnet: not every LEAG reached the common height'));
    const durationSec = (performance.now() - start) / 1000;
    const committedInRun = committedTxs;
    // The market follows its last windows to settlement (bounded by its drain time), outside the measured run.
    if (marketRun) {
      log('testnet: following the last market windows to settlement');
      await marketRun;
    }

    const heads = await Promise.all(clients.map((c) => c.head().catch(() => ({ height: -1, hash: '' }))));
    const commonHeight = Math.min(...heads.map((h) => h.height));
    const hashes = await Promise.all(
      clients.map((c) =>
        c
          .request<{ hash: string }>('GET', `/v1/blocks/${commonHeight}`)
          .then((b) => b.hash)
          .catch(() => ''),
      ),
    );
    const agreed = commonHeight > 0 && hashes.every((h) => h !== '' && h === hashes[0]);
    const reputations = await Promise.all(
      net.leagKeys.map((k) =>
        clients[0]!
          .account(toHex(k.publicKey))
          .then((a) => Number(a.account.reputationPpm))
          .catch(() => -1),
      ),
    );
    const report: TestnetReport = {
      nodes: heads.map((h, i) => ({
        name: `leag-${i}`,
        height: h.height,
        hash: h.hash,
        reputationPpm: reputations[i]!,
      })),
      agreed,
      commonHeight,
      blocks,
      committedTxs,
      submittedTxs: driver.submitted,
      refused: Object.fromEntries(driver.refused),
      durationSec,
      txPerSec: committedInRun / durationSec,
      latencyMs: {
        p50: percentile(driver.latencies, 50),
        p99: percentile(driver.latencies, 99),
        samples: driver.latencies.length,
      },
      market: market ? await market.report() : null,
    };
    await saveRunHistory(clients[0]!, o, log).catch((err: unknown) =>
      log(`testnet: no history: ${String(err)}`),
    );
    abort.abort();
    await followed;
    if (o.json) await writeFile(o.json, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    process.off('SIGINT', onSigint);
    await stopAll();
    if (!o.keep && o.dir === null) await rm(dir, { recursive: true, force: true });
  }
}

export function formatReport(r: TestnetReport): string {
  const lines = [
    '',
    'LEAG      height  head hash         reputation',
    ...r.nodes.map(
      (n) =>
        `${n.name.padEnd(9)} ${String(n.height).padStart(6)}  ${n.hash.slice(0, 16)}  ${(n.reputationPpm / 1e6).toFixed(4)}`,
    ),
    '',
    `agreement at height ${r.commonHeight}: ${r.agreed ? 'all LEAGs hold the same block' : 'DIVERGED'}`,
    `blocks ${r.blocks}, committed txs ${r.committedTxs} of ${r.submittedTxs} submitted in ${r.durationSec.toFixed(1)} s`,
    `throughput ${r.txPerSec.toFixed(1)} tx/s, commit latency p50 ${r.latencyMs.p50.toFixed(0)} ms, p99 ${r.latencyMs.p99.toFixed(0)} ms (${r.latencyMs.samples} samples)`,
    `refused: ${JSON.stringify(r.refused)}`,
  ];
  if (r.market) lines.push(formatMarketReport(r.market));
  return lines.join('\n');
}
