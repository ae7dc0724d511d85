import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type ConsensusPosition, HealthMonitor } from '../src/health/healthMonitor.ts';
import { healthSettings } from '../src/health/healthSettings.ts';
import type { MemorySample } from '../src/health/memorySample.ts';

const MIB = 1024 * 1024;

/** A monitor on a clock and head the test moves by hand, logging into an array. */
function setup(o: { consensus?: ConsensusPosition; halted?: string | null; memory?: MemorySample } = {}) {
  const world = { now: 1_000_000, head: 5, halted: o.halted ?? null, memory: o.memory };
  const logs: { level: number; msg: string; condition?: string; reason?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const registry = new Registry();
  const monitor = new HealthMonitor(
    {
      logger,
      registry,
      now: () => world.now,
      head: () => world.head,
      ...(o.consensus ? { consensus: () => o.consensus ?? null } : {}),
      ...('halted' in o ? { halted: () => world.halted } : {}),
      ...(o.memory ? { memory: () => world.memory! } : {}),
    },
    healthSettings({ healthStallBlocks: 10, memoryCeilingMb: 512 }, 200),
  );
  const gauge = async (condition: string) => {
    const m = await registry.getSingleMetric('v2g_health_condition')!.get();
    return m.values.find((v) => v.labels.condition === condition)?.value;
  };
  return { world, logs, monitor, gauge };
}

test('the stall time is N block intervals, but never less than 10 s', () => {
  assert.equal(healthSettings({ healthStallBlocks: 10, memoryCeilingMb: 1 }, 200).stallAfterMs, 10_000);
  assert.equal(healthSettings({ healthStallBlocks: 10, memoryCeilingMb: 1 }, 5000).stallAfterMs, 50_000);
  assert.equal(healthSettings({ healthStallBlocks: 3, memoryCeilingMb: 1 }, 200).stallAfterMs, 10_000);
});

test('a head that does not move for the stall time is a stall, reported with the consensus round and step', async () => {
  const { world, monitor, gauge } = setup({ consensus: { height: 6, round: 3, step: 'prepare' } });
  world.now += 9_999;
  assert.equal(monitor.report().healthy, true);
  world.now += 1;
  const r = monitor.report();
  assert.equal(r.healthy, false);
  assert.deepEqual(
    r.reasons.map((x) => x.condition),
    ['stalled'],
  );
  assert.match(
    r.reasons[0]!.message,
    /no new block for 10 s \(head 5; consensus at height 6, round 3, step prepare\)/,
  );
  assert.equal(await gauge('stalled'), 1);
});

test('a new block clears a stall, whether the monitor sees the head move or is told of the commit', async () => {
  const { world, monitor, gauge } = setup();
  world.now += 20_000;
  assert.equal(monitor.report().healthy, false);
  world.head = 6;
  assert.equal(monitor.report().healthy, true);
  assert.equal(await gauge('stalled'), 0);
  world.now += 20_000;
  assert.equal(monitor.report().healthy, false);
  monitor.blockCommitted(7);
  assert.equal(monitor.holds('stalled'), false);
  world.now += 9_000;
  assert.equal(monitor.report().healthy, true, 'the stall clock restarted at the commit');
});

test('a reported condition sets its gauge, logs a warning when it starts and an info line when it clears', async () => {
  const { world, logs, monitor, gauge } = setup();
  monitor.set('disk-full', true, 'no space left on device');
  monitor.set('disk-full', true, 'no space left on device (2nd write)');
  assert.equal(await gauge('disk-full'), 1);
  assert.deepEqual(monitor.report().reasons, [
    { condition: 'disk-full', message: 'no space left on device (2nd write)', since: world.now },
  ]);
  world.now += 3000;
  monitor.set('disk-full', false);
  assert.equal(await gauge('disk-full'), 0);
  assert.equal(monitor.report().healthy, true);
  const lines = logs.filter((l) => l.condition === 'disk-full');
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      [40, 'health condition started'],
      [30, 'health condition cleared'],
    ],
    'one warning at the start, one info line at the end, nothing in between',
  );
});

test('every condition has a gauge from the start, at 0', async () => {
  const { gauge } = setup();
  for (const c of [
    'stalled',
    'sync-failing',
    'store-failing',
    'disk-full',
    'memory-high',
    'consensus-halted',
  ]) {
    assert.equal(await gauge(c), 0, c);
  }
});

test('resident memory near the ceiling, or a heap near its limit, is memory-high', () => {
  const calm = { rssBytes: 400 * MIB, heapUsedBytes: 100 * MIB, heapLimitBytes: 256 * MIB };
  const { world, monitor } = setup({ memory: calm });
  assert.equal(monitor.report().healthy, true);
  world.memory = { ...calm, rssBytes: 470 * MIB };
  assert.match(monitor.report().reasons[0]!.message, /resident memory 470 MiB is near the 512 MiB ceiling/);
  world.memory = { ...calm, heapUsedBytes: 240 * MIB };
  assert.match(monitor.report().reasons[0]!.message, /heap 240 MiB is near its 256 MiB limit/);
  world.memory = calm;
  assert.equal(monitor.report().healthy, true);
});

test('a halted consensus is consensus-halted, with its reason', () => {
  const { world, monitor } = setup({ halted: null });
  assert.equal(monitor.report().healthy, true);
  world.halted = 'no committee: every LEAG below R_min';
  const r = monitor.report();
  assert.deepEqual(
    r.reasons.map((x) => [x.condition, x.message]),
    [['consensus-halted', 'consensus halted: no committee: every LEAG below R_min']],
  );
});

test('reasons come in a fixed order whatever order the conditions started in', () => {
  const { monitor } = setup();
  monitor.set('store-failing', true);
  monitor.set('sync-failing', true);
  assert.deepEqual(
    monitor.report().reasons.map((r) => r.condition),
    ['sync-failing', 'store-failing'],
  );
});
