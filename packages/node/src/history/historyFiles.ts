import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lineChartSvg } from './svgChart.ts';
import type { RunHistory, WindowRow } from './windowHistory.ts';

/** A CSV cell: numbers as they are, text quoted when it must be, null as empty. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\n')}\n`;
}

const WINDOW_COLUMNS: readonly (keyof WindowRow)[] = [
  'window',
  'status',
  'closesAt',
  'retailPrice',
  'feedInPrice',
  'leader',
  'round',
  'commitSignatures',
  'supplyWh',
  'demandWh',
  'evToEvWh',
  'crossStationWh',
  'evToGridWh',
  'gridToEvWh',
  'unmetWh',
  'gridSharePpm',
  'deliveredWh',
  'shortfallWh',
  'paid',
  'refunded',
  'untrustedOrders',
];

/** One line per window (windows.csv). */
export function windowsCsv(h: RunHistory): string {
  return toCsv(
    WINDOW_COLUMNS,
    h.windows.map((w) => WINDOW_COLUMNS.map((k) => w[k])),
  );
}

const STATION_COLUMNS = [
  'supplyWh',
  'demandWh',
  'volumeWh',
  'crossOutWh',
  'crossInWh',
  'wheelingFees',
  'toGridWh',
  'fromGridWh',
  'unmetWh',
  'sellOrders',
  'buyOrders',
  'untrustedOrders',
  'deliveredWh',
  'shortfallWh',
  'paid',
  'refunded',
] as const;

/** Values of `points` at each window, held from one point to the next; null before the first. */
function held(
  xs: readonly number[],
  points: readonly { window: number; value: number }[],
): (number | null)[] {
  let i = 0;
  let last: number | null = null;
  return xs.map((x) => {
    while (i < points.length && points[i]!.window <= x) last = points[i++]!.value;
    return last;
  });
}

/** The charts: clearing price in the tariff band, energy by kind, and EV reputations against R_min. */
export function historyCharts(h: RunHistory): Record<string, string> {
  const xs = h.windows.map((w) => w.window);
  const stationNames = [...new Set(h.stations.map((s) => s.station))].sort();
  const priceAt = (name: string) =>
    h.windows.map((w) => h.stations.find((s) => s.window === w.window && s.station === name)?.price ?? null);
  const prices = lineChartSvg({
    title: `Clearing price per station within the tariff band (${h.chainId})`,
    xLabel: 'market window',
    yLabel: 'micro-units per Wh',
    xs,
    series: [
      {
        label: 'retail (buyers’ cap)',
        values: h.windows.map((w) => w.retailPrice),
        colour: '#888',
        dashed: true,
      },
      {
        label: 'feed-in (sellers’ floor)',
        values: h.windows.map((w) => w.feedInPrice),
        colour: '#bbb',
        dashed: true,
      },
      ...stationNames.map((n) => ({ label: `price at ${n}`, values: priceAt(n), dots: true })),
    ],
  });
  const volumes = lineChartSvg({
    title: 'Energy per window',
    xLabel: 'market window',
    yLabel: 'Wh',
    xs,
    series: [
      { label: 'EV-to-EV at the station', values: h.windows.map((w) => w.evToEvWh) },
      { label: 'EV-to-EV across stations', values: h.windows.map((w) => w.crossStationWh) },
      { label: 'EV-to-grid', values: h.windows.map((w) => w.evToGridWh) },
      { label: 'grid-to-EV', values: h.windows.map((w) => w.gridToEvWh) },
      { label: 'unmet demand', values: h.windows.map((w) => w.unmetWh), dashed: true },
    ],
  });
  // The accounts whose reputation moved most: those now untrusted first, then the busiest.
  const shown = [...h.reputations]
    .filter((r) => r.points.length > 0)
    .sort((a, b) => Number(b.untrustedNow) - Number(a.untrustedNow) || b.points.length - a.points.length)
    .slice(0, 8);
  const reputation = lineChartSvg({
    title: 'EV reputation in its weaker role, min(R_ES, R_EB), after each settled window',
    xLabel: 'market window',
    yLabel: 'ppm',
    xs,
    series: [
      { label: 'R_min', values: xs.map(() => h.rMinPpm), colour: '#d1242f', dashed: true },
      ...shown.map((r) => ({
        label: `${r.account.slice(0, 8)} (${r.leag}${r.untrustedNow ? ', untrusted' : ''})`,
        values: held(
          xs,
          r.points.map((p) => ({ window: p.window, value: Math.min(p.es, p.eb) })),
        ),
      })),
    ],
  });
  const leagNames = [...new Set(h.leagPoints.map((p) => p.leag))].sort();
  const leagReputation = lineChartSvg({
    title: 'LEAG reputation at the close of each window (dots: in the committee)',
    xLabel: 'market window',
    yLabel: 'ppm',
    xs,
    series: [
      { label: 'R_min (LEAGs)', values: xs.map(() => h.leagRMinPpm), colour: '#d1242f', dashed: true },
      ...leagNames.map((name) => ({
        label: name,
        values: xs.map(
          (x) => h.leagPoints.find((p) => p.window === x && p.leag === name)?.reputationPpm ?? null,
        ),
        dots: true,
      })),
    ],
  });
  return {
    'prices.svg': prices,
    'volumes.svg': volumes,
    'reputation.svg': reputation,
    'leag-reputation.svg': leagReputation,
  };
}

/**
 * Writes a run's history into `dir`: windows.csv (one line per window),
 * stations.csv (per window and station), reputation.csv (every EV after
 * each settled window it traded in), leag-reputation.csv (every LEAG at
 * each window's close: reputation, committee seat and weight, leader),
 * leags.csv (the LEAGs now), history.json (all of it),
 * and the charts as SVG. Returns the files written.
 */
export async function writeHistory(dir: string, h: RunHistory): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    'windows.csv': windowsCsv(h),
    'stations.csv': toCsv(
      ['window', 'station', 'price', ...STATION_COLUMNS],
      h.stations.map((s) => [s.window, s.station, s.price, ...STATION_COLUMNS.map((k) => s.result[k])]),
    ),
    'reputation.csv': toCsv(
      ['account', 'leag', 'window', 'r', 'es', 'eb'],
      h.reputations.flatMap((r) => r.points.map((p) => [r.account, r.leag, p.window, p.r, p.es, p.eb])),
    ),
    'leag-reputation.csv': toCsv(
      ['window', 'leag', 'reputationPpm', 'member', 'weightPpm', 'leader'],
      h.leagPoints.map((p) => [p.window, p.leag, p.reputationPpm, p.member, p.weightPpm, p.leader]),
    ),
    'leags.csv': toCsv(
      ['name', 'publicKey', 'reputationPpm'],
      h.leags.map((l) => [l.name, l.publicKey, l.reputationPpm]),
    ),
    'history.json': `${JSON.stringify(h, null, 2)}\n`,
    ...historyCharts(h),
  };
  const written: string[] = [];
  for (const [name, body] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, body);
    written.push(path);
  }
  return written;
}
