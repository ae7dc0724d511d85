/* biome-ignore-all lint/suspicious/noConsole: the benchmark reports progress on stdout */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemonEntry, initNetwork } from '@v2g/node';
import { type HostMode, type LeagHosts, openLeagHosts, placeConfigs } from '../leagHosts.ts';
import { type DaemonProcess, startDaemon, stopDaemon } from '../processes.ts';
import { type FleetDelta, fleetDelta, metricSum, round, sampleFleet } from './fleetSample.ts';
import { type FixedLoadResult, fixedLoad } from './scaleLoad.ts';
import { thinBootstrap } from './scaleTopology.ts';

export interface ScaleRowOptions {
  readonly leags: number;
  /** Committee size; 0 for all LEAGs. */
  readonly committee: number;
  readonly hosts: HostMode;
  readonly latencyMs: number;
  /** Bootstrap each LEAG to the committee and this many LEAGs on a ring (scaleTopology.ts); 0 for every LEAG. */
  readonly peers: number;
  readonly blockIntervalMs: number;
  readonly rate: number;
  readonly loadSec: number;
  readonly idleSec: number;
  readonly firstBlockTimeoutSec: number;
  readonly basePort: number;
  /** Keep the network directory (configs, logs) afterwards. */
  readonly keep: boolean;
}

export interface ScaleRow {
  readonly leags: number;
  readonly committee: number | 'all';
  readonly hosts: HostMode;
  readonly latencyMs: number;
  /** 0: every LEAG bootstraps to every other; n: to the committee and n more. */
  readonly peers?: number;
  readonly blockIntervalMs: number;
  readonly date: string;
  readonly loadAverage: number;
  /** The daemons ran the precompiled bundle (else the TypeScript sources). */
  readonly bundled: boolean;
  readonly error?: string;
  /** Seconds from the last daemon's start to the first block on any LEAG, and to every LEAG holding one. */
  readonly firstBlockSec: number;
  readonly allAtFirstBlockSec: number;
  /** LEAGs holding a block when the row went on (a minute after the first block at most). */
  readonly leagsAtFirstBlock: number;
  /** Seconds from a daemon's start to its API answering: mean and slowest. */
  readonly startSec: { mean: number; max: number };
  readonly idle: Phase & { rssMb: { mean: number; max: number }; pssMb: { mean: number; max: number } };
  readonly load: (Phase & FixedLoadResult) | null;
  readonly peakRssMb: number;
  /**
   * The machine's available memory before the hosts were made less at the
   * end of the idle stretch: daemons, relays and namespaces together (other
   * work on the machine moves it too).
   */
  readonly memoryUsedMb: number;
}

type Phase = FleetDelta & { coresMean: number; coresMax: number };

const NOT_MEASURED: Phase = {
  seconds: 0,
  blocks: 0,
  cores: [],
  cpuSecPerBlockPerLeag: Number.NaN,
  messagesInPerBlock: Number.NaN,
  messagesOutPerBlock: Number.NaN,
  coresMean: Number.NaN,
  coresMax: Number.NaN,
};

/**
 * One row of `pnpm bench --scale`: N LEAG daemons with committee k on their
 * hosts, started at once; time to the first block, then an idle stretch
 * (CPU, RSS, consensus messages per block), then a fixed offered load.
 */
export async function scaleRow(o: ScaleRowOptions, loadAverage: number): Promise<ScaleRow> {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-scale-'));
  const net = await initNetwork({
    dir,
    leags: o.leags,
    chainId: 'v2g-bench',
    p2pBasePort: o.basePort,
    httpBasePort: o.basePort + 1000,
    committeeSize: o.committee,
    windowBlocks: 1_000_000,
    blockIntervalMs: o.blockIntervalMs,
  });
  const row = {
    leags: o.leags,
    committee: o.committee === 0 ? ('all' as const) : o.committee,
    hosts: o.hosts,
    latencyMs: o.latencyMs,
    peers: o.peers,
    blockIntervalMs: o.blockIntervalMs,
    date: new Date().toISOString(),
    loadAverage,
    bundled: !daemonEntry().endsWith('.ts'),
  };
  const available0 = await availableMb();
  let memoryUsedMb = Number.NaN;
  // Kept when a later step fails: a row that cannot carry the load still reports its start and idle figures.
  let idle: ScaleRow['idle'] | null = null;
  let hosts: LeagHosts | null = null;
  let daemons: DaemonProcess[] = [];
  const progress = {
    firstBlockSec: Number.NaN,
    allAtFirstBlockSec: Number.NaN,
    leagsAtFirstBlock: 0,
    startSec: { mean: Number.NaN, max: Number.NaN },
  };
  try {
    hosts = await openLeagHosts({
      mode: o.hosts,
      leags: o.leags,
      latencyMs: o.latencyMs,
      basePort: o.basePort,
    });
    await placeConfigs(hosts, net.configPaths, net.leagKeys);
    if (o.peers > 0) await thinBootstrap(net.configPaths, net.genesis, o.committee, o.peers);
    const urls = net.configPaths.map((_, i) => hosts!.apiUrl(i));
    const h = hosts;
    const startedAt: number[] = [];
    daemons = net.configPaths.map((p, i) => {
      startedAt.push(performance.now());
      return startDaemon(`leag-${i}`, p, join(dir, `leag-${i}.log`), (argv) => h.command(i, argv));
    });
    const lastStart = performance.now();
    console.log(`  ${o.leags} daemons started (${row.bundled ? 'bundle' : 'TypeScript sources'})`);

    const upAt: number[] = new Array(o.leags).fill(Number.NaN);
    const heights: number[] = new Array(o.leags).fill(-1);
    const deadline = lastStart + o.firstBlockTimeoutSec * 1000;
    // After the first block, stragglers get a minute to catch up; the row goes on without them.
    const stragglersUntil = () => lastStart + (progress.firstBlockSec + 60) * 1000;
    while (heights.some((x) => x < 1) && !(performance.now() > stragglersUntil())) {
      if (performance.now() > deadline && Number.isNaN(progress.firstBlockSec)) {
        throw new Error(
          `${heights.filter((x) => x >= 1).length} of ${o.leags} LEAGs had a block ${o.firstBlockTimeoutSec} s after the last start; ${await diagnose(urls)}`,
        );
      }
      await Promise.all(
        urls.map(async (u, i) => {
          if (heights[i]! >= 1) return;
          const r = await fetch(`${u}/v1/head`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
          if (!r?.ok) return;
          const now = performance.now();
          if (Number.isNaN(upAt[i])) upAt[i] = now;
          heights[i] = ((await r.json()) as { height: number }).height;
          if (heights[i]! >= 1 && Number.isNaN(progress.firstBlockSec))
            progress.firstBlockSec = round((now - lastStart) / 1000, 1);
        }),
      );
      await new Promise((r) => setTimeout(r, 250));
    }
    progress.leagsAtFirstBlock = heights.filter((x) => x >= 1).length;
    if (progress.leagsAtFirstBlock === o.leags)
      progress.allAtFirstBlockSec = round((performance.now() - lastStart) / 1000, 1);
    const starts = upAt.flatMap((t, i) => (Number.isNaN(t) ? [] : [(t - startedAt[i]!) / 1000]));
    progress.startSec = {
      mean: round(starts.reduce((s, x) => s + x, 0) / starts.length, 1),
      max: round(Math.max(...starts), 1),
    };
    console.log(
      `  first block ${progress.firstBlockSec} s after the last start; ${
        Number.isNaN(progress.allAtFirstBlockSec)
          ? `${progress.leagsAtFirstBlock} of ${o.leags} LEAGs had a block a minute later`
          : `every LEAG had one at ${progress.allAtFirstBlockSec} s`
      }`,
    );

    const fleet = daemons.map((d, i) => ({ pid: d.child.pid!, url: urls[i]! }));
    // Connections and meshes settle after the first block; idle is measured after that.
    await new Promise((r) => setTimeout(r, 10_000));
    const idleA = await sampleFleet(fleet);
    await new Promise((r) => setTimeout(r, o.idleSec * 1000));
    const idleB = await sampleFleet(fleet);
    memoryUsedMb = round(available0 - (await availableMb()), 0);
    const rss = idleB.daemons.map((d) => d.rssMb);
    const pss = idleB.daemons.map((d) => d.pssMb);
    idle = {
      ...phase(fleetDelta(idleA, idleB)),
      rssMb: { mean: round(mean(rss), 0), max: round(Math.max(...rss), 0) },
      pssMb: { mean: round(mean(pss), 0), max: round(Math.max(...pss), 0) },
    };
    console.log(
      `  idle: ${(idle.coresMean * 100).toFixed(2)} % of a core per daemon (max ${(idle.coresMax * 100).toFixed(2)}), RSS ${idle.rssMb.mean} MB (max ${idle.rssMb.max}, PSS ${idle.pssMb.mean}), ${idle.blocks} blocks, ${Number.isNaN(idle.messagesInPerBlock) ? 'consensus msgs/block unknown (under half the daemons answered /metrics)' : `${idle.messagesInPerBlock} consensus msgs/block`}`,
    );

    let loadA = idleB;
    let loadB = idleB;
    const result = await fixedLoad({
      genesis: net.genesis,
      leagKeys: net.leagKeys,
      apiUrls: urls,
      rate: o.rate,
      seconds: o.loadSec,
      drainSec: 15,
      onPhase: async (p) => {
        if (p === 'start') loadA = await sampleFleet(fleet);
        else loadB = await sampleFleet(fleet);
      },
    });
    const load = { ...phase(fleetDelta(loadA, loadB)), ...result };
    console.log(
      `  load: ${result.committed}/${result.offered} committed, ${result.committedPerSec.toFixed(1)} tx/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${load.messagesInPerBlock} consensus msgs/block, ${load.cpuSecPerBlockPerLeag} CPU s/block/LEAG`,
    );
    const peak = await Promise.all(daemons.map((d) => peakRss(d.child.pid!)));
    return { ...row, ...progress, idle, load, peakRssMb: round(Math.max(...peak), 0), memoryUsedMb };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    console.log(`  failed: ${error}`);
    return {
      ...row,
      ...progress,
      error,
      idle: idle ?? {
        ...NOT_MEASURED,
        rssMb: { mean: Number.NaN, max: Number.NaN },
        pssMb: { mean: Number.NaN, max: Number.NaN },
      },
      load: null,
      peakRssMb: Number.NaN,
      memoryUsedMb,
    };
  } finally {
    await Promise.all(daemons.map((d) => stopDaemon(d)));
    await hosts?.close();
    if (o.keep) console.log(`  kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

function phase(d: FleetDelta): Phase {
  return { ...d, coresMean: round(mean(d.cores), 4), coresMax: round(Math.max(...d.cores), 4) };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

async function availableMb(): Promise<number> {
  const m = /MemAvailable:\s+(\d+) kB/.exec(await readFile('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function peakRss(pid: number): Promise<number> {
  const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Why no block came: how many LEAGs each daemon is connected to and sees on the consensus topic. */
async function diagnose(urls: readonly string[]): Promise<string> {
  const seen = await Promise.all(
    urls.map(async (u) => {
      const text = await fetch(`${u}/metrics`, { signal: AbortSignal.timeout(5000) })
        .then((r) => r.text())
        .catch(() => null);
      if (text === null) return null;
      return {
        peers: metricSum(text, 'v2g_network_peers_connected'),
        topic: metricSum(text, 'v2g_network_topic_peers', 'topic="consensus"'),
      };
    }),
  );
  const up = seen.filter((s) => s !== null);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  return `${up.length} APIs answered; peers connected median ${median(up.map((s) => s.peers))}, consensus-topic peers median ${median(up.map((s) => s.topic))}`;
}
