import assert from 'node:assert/strict';
import { test } from 'node:test';
import { historyCharts, toCsv, windowsCsv } from '../src/history/historyFiles.ts';
import type { RunHistory, WindowRow } from '../src/history/windowHistory.ts';

const row = (window: number, over: Partial<WindowRow> = {}): WindowRow => ({
  window,
  status: 'settled',
  closesAt: window * 4 + 4,
  retailPrice: 300,
  feedInPrice: 100,
  leader: 'leag-0',
  round: 0,
  commitSignatures: 4,
  supplyWh: 5000,
  demandWh: 4000,
  evToEvWh: 4000,
  crossStationWh: 0,
  evToGridWh: 1000,
  gridToEvWh: 0,
  unmetWh: 0,
  gridSharePpm: 200_000,
  deliveredWh: 4000,
  shortfallWh: 0,
  paid: 800_000,
  refunded: 0,
  untrustedOrders: 0,
  ...over,
});

const history: RunHistory = {
  chainId: 'v2g-test',
  windowBlocks: 4,
  rMinPpm: 200_000,
  leagRMinPpm: 100_000,
  leags: [{ name: 'leag-0', publicKey: 'ab'.repeat(32), reputationPpm: 500_000 }],
  windows: [row(0, { retailPrice: null, feedInPrice: null, leader: null, round: null }), row(1), row(2)],
  stations: [],
  reputations: [
    {
      account: 'cd'.repeat(32),
      leag: 'leag-0',
      untrustedNow: true,
      points: [
        { window: 1, r: 400_000, es: 300_000, eb: 500_000 },
        { window: 2, r: 300_000, es: 100_000, eb: 500_000 },
      ],
    },
  ],
  leagPoints: [0, 1, 2].flatMap((window) => [
    {
      window,
      leag: 'leag-0',
      reputationPpm: 500_000 + window,
      member: true,
      weightPpm: 500_000,
      leader: true,
    },
    { window, leag: 'leag-1', reputationPpm: 90_000, member: false, weightPpm: null, leader: false },
  ]),
};

test('windows.csv has one line per window in API units, with empty cells for what is unknown', () => {
  const lines = windowsCsv(history).trim().split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[0]?.split(',')[0], 'window');
  assert.match(lines[1]!, /^0,settled,4,,,,,4,5000,/);
  assert.match(lines[2]!, /^1,settled,8,300,100,leag-0,0,4,/);
});

test('CSV cells with commas or quotes are quoted', () => {
  assert.equal(toCsv(['a', 'b'], [['x,y', 'say "hi"']]), 'a,b\n"x,y","say ""hi"""\n');
});

test('the charts are SVG: the tariff band around prices, energy by kind, reputations against R_min', () => {
  const charts = historyCharts(history);
  assert.deepEqual(Object.keys(charts).sort(), [
    'leag-reputation.svg',
    'prices.svg',
    'reputation.svg',
    'volumes.svg',
  ]);
  for (const svg of Object.values(charts))
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(charts['prices.svg']!, /retail/);
  assert.match(charts['reputation.svg']!, /R_min/);
  assert.match(charts['reputation.svg']!, /cdcdcdcd \(leag-0, untrusted\)/);
  // R_min across all three windows, the EV's weaker role from window 1 on: two lines.
  assert.equal((charts['reputation.svg']!.match(/<polyline/g) ?? []).length, 2);
});

test('the LEAG chart draws R_min for LEAGs and one line per LEAG over the windows', () => {
  const svg = historyCharts(history)['leag-reputation.svg']!;
  assert.match(svg, /R_min \(LEAGs\)/);
  assert.match(svg, /leag-1/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 3);
});
