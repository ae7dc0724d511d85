import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@v2g/core';
import { get, type Head } from './api.ts';
import { Auditor } from './auditor.ts';
import { type ByzantineLeag, Fleet } from './fleet.ts';
import { createHosts, type Hosts } from './hosts.ts';
import { Load } from './load.ts';
import { acquireLock, releaseLock } from './lock.ts';
import { removeTopologySync } from './netns.ts';
import { buildReport, type ChaosReport } from './report.ts';
import { Rng } from './rng.ts';
import { FaultRunner } from './runner.ts';
import { type FaultKind, makeSchedule } from './schedule.ts';

export interface ChaosOptions {
  readonly seed: number;
  readonly durationSec: number;
  readonly leags: number;
  readonly quick: boolean;
  /** Offered transfers per second. */
  readonly rate: number;
  /** Offered market orders (sell and buy) per second. */
  readonly orderRate: number;
  readonly loopback: boolean;
  readonly basePort: number;
  /** Where the network, logs and snapshots go; a temporary directory when null. */
  readonly dir: string | null;
  /** Keep the directory even when every check passed. */
  readonly keep: boolean;
  /** Seconds given to the LEAGs after the last fault to catch up and commit what is pending. */
  readonly drainSec: number;
  readonly recoveryBoundMs: number;
  /** LEAGs started with the daemon's test-only Byzantine behaviour. */
  readonly byzantine: readonly ByzantineLeag[];
  /** Fault kinds left out of the schedule. */
  readonly without: readonly FaultKind[];
}

const BLOCK_INTERVAL_MS = 200;
/** 20 s market windows: orders clear and settle during the faults, and some meet a closing window. */
const WINDOW_BLOCKS = 100;
const TICK_MS = 100;

/**
 * One chaos run: LEAG daemons on their own hosts, load for the whole run,
 * the seeded faults, then every LEAG up and the network healed, a drain, and
 * the audit. Whatever happens (a failed check, an exception, an abort), the
 * daemons are stopped and the namespaces, rules and relays removed.
 */
export async function runChaos(
  o: ChaosOptions,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<ChaosReport> {
  acquireLock();
  const stale = removeTopologySync();
  if (stale.length > 0) log(`chaos: removed namespaces left by an earlier run: ${stale.join(', ')}`);
  let hosts: Hosts | null = null;
  let fleet: Fleet | null = null;
  let watcher: Auditor | null = null;
  let keep = o.keep;
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'v2g-chaos-')));
  await mkdir(dir, { recursive: true });
  const onExit = () => {
    fleet?.killAllSync();
    removeTopologySync();
    releaseLock();
  };
  process.once('exit', onExit);
  try {
    hosts = await createHosts(o.leags, { loopback: o.loopback, basePort: o.basePort });
    log(
      hosts.mode === 'netns'
        ? `chaos: ${o.leags} LEAGs in network namespaces on 10.77.0.0/24, files in ${dir}`
        : `chaos: no network namespaces (${hosts.fallbackReason}): loopback, without partitions, loss or latency; files in ${dir}`,
    );
    const h = hosts;
    const f = await Fleet.init(dir, o.leags, h, BLOCK_INTERVAL_MS, WINDOW_BLOCKS, o.byzantine);
    fleet = f;
    const leagKeys = f.keys.leagKeys.map((k) => toHex(k.publicKey));
    if (o.byzantine.length > 0)
      log(`chaos: Byzantine on purpose: ${o.byzantine.map((b) => `leag-${b.leag} ${b.mode}`).join(', ')}`);
    if (!f.faketime) log('chaos: libfaketime is not installed: clock-skew episodes run without skew');
    const schedule = makeSchedule({
      seed: o.seed,
      leags: o.leags,
      durationMs: o.durationSec * 1000,
      quick: o.quick,
      without: o.without,
    });
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const rng = new Rng(o.seed ^ 0x5eed);
    let load: Load | null = null;
    const auditor: Auditor = new Auditor({
      leags: o.leags,
      chainId: f.keys.genesis.chainId,
      leagKeys,
      byzantine: o.byzantine.map((b) => ({ ...b, key: leagKeys[b.leag]! })),
      rMinPpm: f.keys.genesis.params.consensus.rMinPpm,
      recoveryBoundMs: o.recoveryBoundMs,
      apiUrl: (i) => h.apiUrl(i),
      now,
      onCommitted: (id) => load?.onCommitted(id),
    });
    const runner = new FaultRunner({
      fleet: f,
      hosts: h,
      auditor,
      leagKeys,
      // Votes that do not count towards a quorum: withheld, or split between a block and nil.
      nonVoting: new Set(
        o.byzantine.filter((b) => b.mode === 'withhold' || b.mode === 'equivocate-voter').map((b) => b.leag),
      ),
      now,
      log,
    });
    load = new Load({
      genesis: f.keys.genesis,
      leagKeys: f.keys.leagKeys,
      ra: f.keys.ra,
      grid: f.keys.grid,
      evs: 16,
      coinsPerEv: 32,
      rng,
      apiUrl: (i) => h.apiUrl(i),
      targets: () => f.running(),
      onAck: (id, kind, leag) => auditor.onAck(id, kind, leag),
    });
    auditor.start();
    watcher = auditor;

    let next = 0;
    let fundedAt: number | null = null;
    let lastFund = -Infinity;
    let lastCommittee = 0;
    let lastProgress = 0;
    let allowance = 0;
    let orderAllowance = 0;
    let lastMarket = -Infinity;
    while (!signal.aborted && (next < schedule.actions.length || now() < schedule.durationMs)) {
      const tick = now();
      while (next < schedule.actions.length && schedule.actions[next]!.atMs <= tick) {
        await runner.apply(schedule.actions[next++]!);
      }
      const height = auditor.maxHeight;
      // Funding: deposits once the chain runs, again for EVs whose deposit did not commit, for 30 s.
      if (height >= 1 && tick - lastFund > 3000 && (fundedAt === null || tick - fundedAt < 30_000)) {
        fundedAt ??= tick;
        lastFund = tick;
        void load.fund(height, 1_000_000);
      }
      allowance = Math.min(allowance + (o.rate * TICK_MS) / 1000, o.rate);
      const count = Math.floor(allowance);
      allowance -= count;
      if (count > 0 && fundedAt !== null) void load.transfers(count);
      // The market: EV accounts and tariffs first (sent again until committed), then orders.
      if (fundedAt !== null && tick - lastMarket > 1000) {
        lastMarket = tick;
        void load.marketSetup(height, tick);
      }
      orderAllowance = Math.min(orderAllowance + (o.orderRate * TICK_MS) / 1000, Math.max(1, o.orderRate));
      const orders = Math.floor(orderAllowance);
      orderAllowance -= orders;
      if (orders > 0 && fundedAt !== null) void load.orders(orders, height);
      if (tick - lastCommittee > 2000) {
        lastCommittee = tick;
        void runner.refreshCommittee();
      }
      if (tick - lastProgress > 10_000) {
        lastProgress = tick;
        log(
          `${(tick / 1000).toFixed(0)}s height ${height}, running ${f.running().length}/${o.leags}, ` +
            `acked ${load.stats.acked}, committed ${auditor.committed.size}, action ${next}/${schedule.actions.length}`,
        );
      }
      await sleep(Math.max(0, TICK_MS - (now() - tick)));
    }

    if (signal.aborted) throw new Error('interrupted');
    const heightAfterFaults = auditor.maxHeight;
    log(`${(now() / 1000).toFixed(1)}s chaos: faults over; every LEAG up, the network healed, draining`);
    await runner.healAll();
    // The drain is the chain's time to settle, not the daemons' time to load: wait for every API first.
    const loading = await runner.waitUntilUp(60_000, signal);
    if (loading > 0) log(`chaos: ${loading} LEAGs still do not answer 60 s after their start`);
    const outstanding = () => [...auditor.acks.keys()].filter((id) => !auditor.committed.has(id)).length;
    await drain(h, o.leags, auditor.maxHeight, o.drainSec * 1000, outstanding, signal);
    log(
      `${(now() / 1000).toFixed(1)}s chaos: drained, ${outstanding()} acknowledged transactions not seen committed`,
    );
    log('chaos: auditing every LEAG');
    const audit = await auditor.finish(
      runner.records.flatMap((e) =>
        e.killed ? [{ atMs: e.atMs, leags: e.killed, what: `SIGKILL in ${e.kind}` }] : [],
      ),
    );
    await saveMetrics(h, o.leags, dir);
    const report = buildReport({
      options: o,
      hosts: h,
      dir,
      schedule,
      runner,
      auditor,
      audit,
      load,
      crashes: f.crashes.map((c) => ({ ...c, atMs: c.atMs - t0 })),
      durationMs: now(),
      heightAfterFaults,
      faketime: f.faketime !== null,
    });
    if (!report.passed) keep = true;
    return report;
  } finally {
    // An interrupted run never reaches the audit: its watch loops must end, or the process never exits.
    watcher?.stop();
    await fleet?.stopAll();
    await hosts?.close();
    removeTopologySync();
    process.off('exit', onExit);
    releaseLock();
    if (!keep && o.dir === null) await rm(dir, { recursive: true, force: true });
    else log(`chaos: logs, configs and data kept in ${dir}`);
  }
}

/**
 * Waits until every LEAG holds the same head, at least two blocks past
 * `from`, and every acknowledged transaction was seen committed (one held by
 * a LEAG that was cut off is gossiped again after a few seconds), or until
 * the time is up.
 */
async function drain(
  hosts: Hosts,
  leags: number,
  from: number,
  ms: number,
  outstanding: () => number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline && !signal.aborted) {
    const heads = await Promise.all(
      Array.from({ length: leags }, (_, i) => get<Head>(hosts.apiUrl(i), '/v1/head')),
    );
    const hs = heads.map((x) => x?.height ?? -1);
    if (Math.min(...hs) >= from + 2 && Math.max(...hs) - Math.min(...hs) <= 1 && outstanding() === 0) {
      // Two more blocks' time for the last acknowledged transactions.
      await sleep(2 * BLOCK_INTERVAL_MS + 1000);
      return;
    }
    await sleep(500);
  }
}

/** Every LEAG's Prometheus metrics at the end, as `metrics-leag-i.txt` next to its log, for a post-mortem. */
async function saveMetrics(hosts: Hosts, leags: number, dir: string): Promise<void> {
  await Promise.all(
    Array.from({ length: leags }, async (_, i) => {
      try {
        const res = await fetch(`${hosts.apiUrl(i)}/metrics`, { signal: AbortSignal.timeout(3000) });
        await writeFile(join(dir, `metrics-leag-${i}.txt`), await res.text());
      } catch {
        // not answering: the audit says so
      }
    }),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
