import type { ScaleRow } from './scaleRow.ts';

/** The issue-15 targets, checked in the benchmark (never as timed tests). */
export const SCALE_TARGETS = {
  firstBlockSec: 30,
  p99Ms: 2000,
  idleCores: 0.01,
  idleRssMb: 120,
  /** At 32 LEAGs, k = 7's consensus messages per block over k = all's. */
  messageRatio: 1 / 3,
} as const;

/** A figure read back from JSON: NaN was written as null. */
const known = (x: number | null | undefined): x is number => typeof x === 'number' && !Number.isNaN(x);
const num = (x: number | null | undefined, digits = 0) =>
  x === undefined || x === null || Number.isNaN(x) ? '–' : x.toFixed(digits);

export function rowKey(r: Pick<ScaleRow, 'leags' | 'committee' | 'hosts' | 'latencyMs' | 'peers'>): string {
  return `${r.leags}/${r.committee}/${r.hosts}/${r.latencyMs}${r.peers ? `/${r.peers}` : ''}`;
}

/** The table as Markdown, rows in order of hosts, LEAGs and committee. */
export function scaleMarkdown(rows: readonly ScaleRow[]): string {
  const sorted = [...rows].sort(
    (a, b) =>
      a.hosts.localeCompare(b.hosts) ||
      a.latencyMs - b.latencyMs ||
      a.leags - b.leags ||
      (a.committee === 'all' ? 1 : 0) - (b.committee === 'all' ? 1 : 0),
  );
  const lines = [
    '| LEAGs | k | hosts | first block s | committed tx/s (100 offered) | p50 / p99 ms | consensus msgs/block | CPU s/block/LEAG | idle CPU % of a core (mean/max) | idle RSS MB (mean/max; PSS mean) | memory used GB | daemon start s | load avg |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of sorted) {
    const hosts = `${r.hosts === 'netns' ? `netns ${r.latencyMs} ms` : 'loopback'}${r.peers ? `, committee + ${r.peers} peers` : ''}`;
    const l = r.load;
    const scaled = (x: number | null | undefined, f: number) => (known(x) ? x * f : Number.NaN);
    if (r.error && !known(r.firstBlockSec)) {
      lines.push(
        `| ${r.leags} | ${r.committee} | ${hosts} | no block: ${r.error} | | | | | | | | | ${num(r.loadAverage, 1)} |`,
      );
      continue;
    }
    const cells = [
      r.leags,
      r.committee,
      hosts,
      `${num(r.firstBlockSec, 1)}${r.leagsAtFirstBlock !== undefined && r.leagsAtFirstBlock < r.leags ? ` (${r.leagsAtFirstBlock}/${r.leags} a minute later)` : ''}`,
      l ? `${num(l.committedPerSec, 1)} (${l.committed}/${l.offered})` : '–',
      l ? `${num(l.latencyMs.p50)} / ${num(l.latencyMs.p99)}` : '–',
      num(l?.messagesInPerBlock ?? r.idle.messagesInPerBlock, 0),
      num(l?.cpuSecPerBlockPerLeag, 3),
      `${num(scaled(r.idle.coresMean, 100), 2)} / ${num(scaled(r.idle.coresMax, 100), 2)}`,
      `${num(r.idle.rssMb.mean)} / ${num(r.idle.rssMb.max)}; ${num(r.idle.pssMb?.mean)}`,
      num(scaled(r.memoryUsedMb, 1 / 1024), 1),
      `${num(r.startSec.mean, 1)} / ${num(r.startSec.max, 1)}`,
      num(r.loadAverage, 1),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
    if (r.error)
      lines.push(`| ${r.leags} | ${r.committee} | ${hosts} | then failed: ${r.error} | | | | | | | | | |`);
  }
  return lines.join('\n');
}

/** Each target against the rows that decide it: met, missed, or not measured. */
export function scaleTargets(rows: readonly ScaleRow[]): string[] {
  // Of several runs of one configuration (e.g. with and without --peers), the one that got furthest.
  const furthest = (r: ScaleRow) => (r.load ? 2 : 0) + (known(r.firstBlockSec) ? 1 : 0);
  const find = (leags: number, k: number | 'all', hosts?: string, latency?: number) =>
    rows
      .filter(
        (r) =>
          r.leags === leags &&
          r.committee === k &&
          (hosts === undefined || r.hosts === hosts) &&
          (latency === undefined || r.latencyMs === latency),
      )
      .sort((x, y) => furthest(y) - furthest(x))[0];
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'missed');
  const city = find(64, 7, 'netns', 50);
  const cityLoad = city?.load;
  const k7 = find(32, 7);
  const kAll = k7 ? find(32, 'all', k7.hosts, k7.latencyMs) : undefined;
  // Under load where both rows carried it, else idle; a k = all that made no block at all is said so.
  const perBlock = (r: ScaleRow | undefined) =>
    r?.load && known(r.load.messagesInPerBlock) ? r.load.messagesInPerBlock : r?.idle.messagesInPerBlock;
  const ratio = known(perBlock(k7)) && known(perBlock(kAll)) ? perBlock(k7)! / perBlock(kAll)! : Number.NaN;
  const kAllStuck = kAll !== undefined && !known(kAll.firstBlockSec);
  const idle = rows.filter((r) => known(r.idle.coresMean));
  const idleOk = idle.length
    ? idle.every(
        (r) => r.idle.coresMax <= SCALE_TARGETS.idleCores && r.idle.rssMb.max <= SCALE_TARGETS.idleRssMb,
      )
    : undefined;
  return [
    `64 LEAGs, k = 7, netns 50 ms, first block ≤ ${SCALE_TARGETS.firstBlockSec} s: ${num(city?.firstBlockSec, 1)} s — ${verdict(city ? known(city.firstBlockSec) && city.firstBlockSec <= SCALE_TARGETS.firstBlockSec : undefined)}`,
    `64 LEAGs, k = 7, netns 50 ms, 100 tx/s all committed with p99 ≤ ${SCALE_TARGETS.p99Ms} ms: ${cityLoad ? `${cityLoad.committed}/${cityLoad.offered}, p99 ${cityLoad.latencyMs.p99} ms` : '–'} — ${verdict(cityLoad ? cityLoad.committed === cityLoad.offered && cityLoad.latencyMs.p99 <= SCALE_TARGETS.p99Ms : city ? false : undefined)}`,
    `idle daemon ≤ 1 % of a core and ≤ ${SCALE_TARGETS.idleRssMb} MB RSS (every row, slowest daemon): ${verdict(idleOk)}`,
    kAllStuck
      ? '32 LEAGs, k = 7 ≤ ⅓ of k = all in consensus messages per block: k = all made no block, so no ratio'
      : `32 LEAGs, k = 7 ≤ ⅓ of k = all in consensus messages per block: ${num(ratio, 2)} — ${verdict(known(ratio) ? ratio <= SCALE_TARGETS.messageRatio : undefined)}`,
  ];
}
