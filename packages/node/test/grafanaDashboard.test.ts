import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { initNetwork } from '../src/config/initNetwork.ts';
import { createNode, type LeagNode } from '../src/node/createNode.ts';

/**
 * configs/grafana-dashboard.json against the metrics a LEAG really serves:
 * the registry is a daemon's own, built by createNode (every part registers
 * its metrics as the daemon composes it), so renaming a metric without the
 * dashboard fails here.
 */
const DASHBOARD = new URL('../../../configs/grafana-dashboard.json', import.meta.url);
const README = new URL('../../../README.md', import.meta.url);

interface Target {
  readonly expr: string;
}
interface Panel {
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly uid: string };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}
interface Dashboard {
  readonly title: string;
  readonly panels: readonly Panel[];
  readonly templating: {
    readonly list: readonly { name: string; type: string; query: unknown; definition?: string }[];
  };
}

let dir: string;
let node: LeagNode;
let dashboard: Dashboard;
/** Every series name the daemon's registry exposes, histogram series included. */
const served = new Set<string>();

before(async () => {
  dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as Dashboard;
  dir = await mkdtemp(join(tmpdir(), 'v2g-dashboard-'));
  const net = await initNetwork({
    dir,
    leags: 1,
    chainId: 'v2g-dashboard-test',
    p2pBasePort: 0,
    httpBasePort: 0,
    committeeSize: 0,
    windowBlocks: 10,
    blockIntervalMs: 200,
  });
  const config = await loadConfig(net.configPaths[0]!);
  node = await createNode({
    ...config,
    listen: '/ip4/127.0.0.1/tcp/0',
    httpHost: '127.0.0.1',
    httpPort: 0,
    bootstrap: [],
    minPeers: 0,
    logLevel: 'silent',
  });
  for (const m of await node.registry.getMetricsAsJSON()) {
    served.add(m.name);
    // prom-client types this as a numeric enum; the value is the exposition name ('histogram').
    const type = String(m.type);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) served.add(`${m.name}${suffix}`);
  }
});

after(async () => {
  await node.stop();
  await rm(dir, { recursive: true, force: true });
});

function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Metric names in a PromQL expression: our own (v2g_) and the process and Node.js metrics prom-client adds. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(?:v2g|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0]);
}

test('every metric a dashboard panel queries is one the daemon registers', () => {
  const used = new Map<string, string>();
  for (const p of allPanels(dashboard.panels))
    for (const t of p.targets ?? []) for (const name of metricNames(t.expr)) used.set(name, p.title);
  for (const v of dashboard.templating.list)
    if (v.definition) for (const name of metricNames(v.definition)) used.set(name, `variable ${v.name}`);
  assert.ok(used.size > 40, `the dashboard queries ${used.size} metrics`);
  const missing = [...used]
    .filter(([name]) => !served.has(name))
    .map(([name, where]) => `${name} (${where})`);
  assert.deepEqual(missing, [], 'metrics the daemon does not serve');
  // The check is only as good as the registry: it must hold the daemon's metrics of every part.
  for (const name of [
    'v2g_chain_height',
    'v2g_consensus_round',
    'v2g_health_condition',
    'v2g_api_refused_total',
  ])
    assert.ok(served.has(name), name);
  assert.ok(served.has('v2g_network_peers_connected') && served.has('v2g_market_clearing_price'));
});

test('the dashboard covers each area and takes its data source from a variable', () => {
  const panels = allPanels(dashboard.panels);
  const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
  for (const metric of [
    'v2g_chain_height',
    'v2g_last_block_age_seconds',
    'v2g_consensus_round',
    'v2g_consensus_step',
    'v2g_consensus_timeouts_total',
    'v2g_consensus_votes_received_total',
    'v2g_txs_committed_total',
    'v2g_mempool_txs',
    'v2g_http_requests_total',
    'v2g_api_refused_total',
    'v2g_health_condition',
    'v2g_network_peers_connected',
    'v2g_direct_send_total',
    'v2g_market_clearing_price',
    'v2g_market_matched_wh_total',
    'v2g_market_orders_refused_total',
    'process_resident_memory_bytes',
  ])
    assert.match(queries, new RegExp(`\\b${metric}\\b`), metric);
  const source = dashboard.templating.list.find((v) => v.type === 'datasource');
  assert.equal(source?.query, 'prometheus');
  for (const p of panels.filter((p) => p.type !== 'row'))
    assert.equal(
      p.datasource?.uid,
      `\${${source!.name}}`,
      `panel "${p.title}" uses the data source variable`,
    );
});

test("the README's Metrics section names every v2g_ metric the daemon registers, and no other", async () => {
  const readme = await readFile(README, 'utf8');
  const start = readme.indexOf('\n## Metrics\n');
  assert.ok(start >= 0, 'a Metrics section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const named = new Set(metricNames(section).filter((n) => n.startsWith('v2g_')));
  const registered = (await node.registry.getMetricsAsJSON())
    .map((m) => m.name)
    .filter((n) => n.startsWith('v2g_'));
  assert.deepEqual(
    registered.filter((n) => !named.has(n)),
    [],
    'registered but not in the README',
  );
  assert.deepEqual(
    [...named].filter((n) => !served.has(n)),
    [],
    'in the README but not registered',
  );
});
