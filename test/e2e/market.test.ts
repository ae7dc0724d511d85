import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTestnet } from '@v2g/testnet';

test('a market day on four LEAG processes clears within the tariff, trades across stations and with the grid, settles, and shuts out every kind of dishonest EV', {
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

  // Every kind of dishonest EV is shut out in the role it fails in, and only there (decision 0008).
  const kinds = ['failing-seller', 'mixed', 'no-show-buyer'];
  for (const kind of kinds) {
    const k: { evs: number; shutOut: number } | undefined = m.checks.shutOut[kind];
    assert.ok(k && k.evs > 0, `the day has a ${kind}`);
    assert.equal(
      k.shutOut,
      k.evs,
      `every ${kind} is shut out: ${JSON.stringify(m.reputation.filter((e) => e.kind === kind))}`,
    );
  }
  for (const e of m.reputation.filter((x) => x.dishonest)) {
    const failed = e.kind === 'no-show-buyer' ? e.purchases.failed : e.sales.failed;
    assert.ok(failed > 0 && (e.refused.untrusted ?? 0) > 0, `${e.name} failed and had a later order refused`);
  }
  // A seller that fails while buying honestly keeps buying once it may no longer sell.
  const mixed = m.reputation.filter((e) => e.kind === 'mixed');
  assert.ok(mixed.every((e) => e.es < m.rMinPpm && e.eb >= m.rMinPpm && e.purchases.succeeded > 0));
  assert.ok(m.energy.crossStationWh > 0, `EVs traded across stations: ${JSON.stringify(m.energy)}`);
  assert.ok(
    m.reputationByWindow.length >= 1 && Object.keys(m.reputationByWindow[0]!.scores).length === m.evs,
  );
  assert.equal(m.checks.honestBelowRMin, 0, 'no honest EV fell below R_min');
});
