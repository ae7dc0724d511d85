import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTestnet } from '../../packages/node/src/testnet/run.ts';

test('a market day on four LEAG processes clears within the tariff, settles, and shuts out a dishonest seller', {
  timeout: 150_000,
}, async () => {
  const r = await runTestnet(
    {
      nodes: 4,
      evs: 8,
      durationSec: 25,
      rate: 20,
      committee: 0,
      windowBlocks: 4,
      blockIntervalMs: 200,
      faulty: -1,
      dir: null,
      keep: false,
      json: null,
      basePort: 35100,
      quiet: true,
      market: { evs: 16, dishonestShare: 0.25, seed: 7 },
    },
    () => {},
  );
  assert.ok(r.agreed, 'all LEAGs hold the same chain');
  const m = r.market;
  assert.ok(m, 'the report has a market part');

  const traded = m.windows.flatMap((w) =>
    w.stations.filter((s) => s.price !== null).map((s) => ({ w, price: s.price! })),
  );
  assert.ok(traded.length >= 3, `expected several cleared station-windows, got ${traded.length}`);
  for (const { w, price } of traded) {
    assert.ok(
      price >= w.feedInPrice && price <= w.retailPrice,
      `window ${w.window}: price ${price} outside [${w.feedInPrice}, ${w.retailPrice}]`,
    );
  }

  const settled = m.windows.filter((w) => w.settled && w.stations.some((s) => s.volumeWh > 0));
  assert.ok(settled.length >= 1, 'at least one window with trades settled');
  for (const w of settled) {
    for (const s of w.stations) {
      assert.equal(
        s.deliveredWh + s.shortfallWh,
        s.volumeWh,
        `window ${w.window}: delivered + shortfall = volume`,
      );
    }
  }
  assert.ok(m.readings.submitted > 0, 'meters reported deliveries');

  // The grid is the counterparty of last resort (decision 0010): it buys unsold supply at the floor.
  assert.ok(m.energy.evToGridWh > 0, `the grid bought EV surplus: ${JSON.stringify(m.energy)}`);
  for (const w of settled) {
    for (const s of w.stations)
      assert.ok(s.toGridDeliveredWh <= s.toGridWh && s.fromGridDeliveredWh <= s.fromGridWh);
  }

  const shutOut = m.reputation.filter((e) => e.dishonest && e.untrusted && (e.refused.untrusted ?? 0) > 0);
  assert.ok(
    shutOut.length >= 1,
    `a dishonest EV fell below R_min and had a later order refused as untrusted: ${JSON.stringify(m.reputation.filter((e) => e.dishonest))}`,
  );
  // A dishonest seller is judged by R_ES (decision 0008); its R, the mean of both roles, may stay above R_min.
  for (const e of shutOut) assert.ok(e.es < m.rMinPpm && e.sales.failed > 0);
  assert.equal(m.checks.honestBelowRMin, 0, 'no honest EV fell below R_min');
});
