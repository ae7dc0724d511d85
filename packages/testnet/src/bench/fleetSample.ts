import { readFile } from 'node:fs/promises';
import { cpuSeconds } from './procStats.ts';

/** One reading of every daemon of a run: process CPU and RSS from /proc, consensus traffic from /metrics. */
export interface FleetSample {
  /** performance.now() of the reading. */
  readonly at: number;
  /** The highest head among the LEAGs that answered. */
  readonly height: number;
  readonly daemons: readonly DaemonReading[];
}

export interface DaemonReading {
  readonly cpuSec: number;
  readonly rssMb: number;
  /** Proportional set size: RSS with pages shared between processes (the node binary) split among them. */
  readonly pssMb: number;
  /** Consensus messages this LEAG received: gossip on the consensus topic plus direct frames. */
  readonly consensusIn: number;
  /** Consensus messages this LEAG sent: its gossip publications plus direct frames written. */
  readonly consensusOut: number;
  readonly height: number;
}

/** What the fleet did between two readings. */
export interface FleetDelta {
  readonly seconds: number;
  readonly blocks: number;
  /** Per daemon: cores' worth of CPU (CPU seconds / wall seconds). */
  readonly cores: number[];
  /** Mean over the daemons of CPU seconds per block. */
  readonly cpuSecPerBlockPerLeag: number;
  /** Consensus messages received by all LEAGs together, per block. */
  readonly messagesInPerBlock: number;
  /** Consensus messages sent by all LEAGs together (publications and direct frames), per block. */
  readonly messagesOutPerBlock: number;
}

export function metricSum(text: string, name: string, labels = ''): number {
  let total = 0;
  const re = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (labels === '' || (m[1] ?? '').includes(labels)) total += Number(m[2]);
  }
  return total;
}

async function readDaemon(pid: number, url: string): Promise<DaemonReading> {
  const [cpuSec, status, smaps, text, head] = await Promise.all([
    cpuSeconds(pid),
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''),
    // A daemon too busy to answer within 30 s counts as unread (NaN) rather than failing the row.
    fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) })
      .then((r) => r.text())
      .catch(() => null),
    fetch(`${url}/v1/head`, { signal: AbortSignal.timeout(15_000) })
      .then((r) => r.json() as Promise<{ height: number }>)
      .then((h) => h.height)
      .catch(() => -1),
  ]);
  const rss = /VmRSS:\s+(\d+) kB/.exec(status);
  const pss = /^Pss:\s+(\d+) kB/m.exec(smaps);
  return {
    cpuSec,
    rssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
    pssMb: pss ? Number(pss[1]) / 1024 : Number.NaN,
    consensusIn:
      text === null
        ? Number.NaN
        : metricSum(text, 'v2g_gossip_messages_received_total', 'topic="consensus"') +
          metricSum(text, 'v2g_direct_received_total', 'result="ok"'),
    consensusOut:
      text === null
        ? Number.NaN
        : metricSum(text, 'v2g_gossip_messages_published_total', 'topic="consensus"') +
          metricSum(text, 'v2g_direct_frames_written_total'),
    height: head,
  };
}

export async function sampleFleet(daemons: readonly { pid: number; url: string }[]): Promise<FleetSample> {
  const t0 = performance.now();
  const readings = await Promise.all(daemons.map((d) => readDaemon(d.pid, d.url)));
  return {
    at: (t0 + performance.now()) / 2,
    height: Math.max(...readings.map((r) => r.height)),
    daemons: readings,
  };
}

export function fleetDelta(a: FleetSample, b: FleetSample): FleetDelta {
  const seconds = (b.at - a.at) / 1000;
  const blocks = b.height - a.height;
  const cpu = b.daemons.map((d, i) => d.cpuSec - a.daemons[i]!.cpuSec);
  // Daemons unread in either sample are left out of the sums (their share is then missing);
  // with fewer than half read, the sum is unknown.
  const sum = (f: (d: DaemonReading) => number) => {
    const xs = b.daemons.map((d, i) => f(d) - f(a.daemons[i]!)).filter((x) => !Number.isNaN(x));
    return xs.length * 2 < b.daemons.length ? Number.NaN : xs.reduce((s, x) => s + x, 0);
  };
  const perBlock = (x: number) => (blocks > 0 ? round(x / blocks, 1) : Number.NaN);
  return {
    seconds: round(seconds, 1),
    blocks,
    cores: cpu.map((c) => round(c / seconds, 4)),
    cpuSecPerBlockPerLeag:
      blocks > 0 ? round(cpu.reduce((s, c) => s + c, 0) / cpu.length / blocks, 4) : Number.NaN,
    messagesInPerBlock: perBlock(sum((d) => d.consensusIn)),
    messagesOutPerBlock: perBlock(sum((d) => d.consensusOut)),
  };
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
