// The LEAG dashboard: reads the LEAG's own API and follows its event stream (GET /v1/events).
// No build step and nothing from outside the LEAG: a station may run offline.
import { colour, heldAt, WindowChart } from '/ui/dashboardCharts.js';

const $ = (id) => document.getElementById(id);
const text = (id, value) => {
  $(id).textContent = value;
};
const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en'));
const short = (hex) => `${hex.slice(0, 8)}…`;
const sum = (list, f) => list.reduce((s, x) => s + f(x), 0);

async function api(path) {
  const res = await fetch(path);
  // /v1/health answers 503 with its body while a condition holds: that is an answer, not a failure.
  if (!res.ok && !(res.status === 503 && path === '/v1/health'))
    throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/** Fills a table body; a cell is text, or {v, cls} for a class (num, ok, bad, mono). */
function fill(tableId, rows) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const c of cells) {
        const td = document.createElement('td');
        if (c instanceof Node) td.append(c);
        else if (typeof c === 'object' && c !== null) {
          td.textContent = c.v;
          td.className = c.cls;
        } else td.textContent = c;
        tr.append(td);
      }
      return tr;
    }),
  );
}

function bar(ppm) {
  const outer = document.createElement('div');
  outer.className = 'bar';
  const inner = document.createElement('span');
  inner.style.width = `${Math.min(100, ppm / 10_000)}%`;
  outer.append(inner);
  return outer;
}

const state = {
  chain: null,
  names: new Map(),
  lastBlockTime: null,
  blocks: [],
  blockEvents: 0,
  repWindow: -1,
  busy: false,
  pending: false,
};
const nameOf = (key) => state.names.get(key) ?? short(key);
const charts = {
  price: new WindowChart($('price-chart'), 'µ/Wh'),
  volume: new WindowChart($('volume-chart'), 'Wh'),
  reputation: new WindowChart($('rep-chart'), 'ppm'),
};

async function refreshChain() {
  const [health, head, committee] = await Promise.all([
    api('/v1/health'),
    api('/v1/head'),
    api('/v1/committee'),
  ]);
  text('height', fmt(head.height));
  text('peers', fmt(health.peers));
  text('mempool', fmt(health.mempool));
  text('consensus', health.syncing ? `${health.consensus} (syncing)` : health.consensus);
  const pill = $('health-status');
  pill.textContent = health.status;
  pill.className = `pill ${health.status === 'ok' ? 'ok' : 'bad'}`;
  text('health-reasons', health.reasons.map((r) => `${r.condition}: ${r.message}`).join('; '));
  if (head.height > 0) {
    const { block, certificate } = await api(`/v1/blocks/${head.height}`);
    text('leader', nameOf(block.header.proposer));
    text('round', block.header.round);
    text('signatures', certificate ? certificate.signatures.length : '–');
    state.lastBlockTime = block.header.timestamp;
  }
  const members = new Set(committee.members.map((m) => m.publicKey));
  const leags = await Promise.all(
    state.chain.leags.map((l) =>
      api(`/v1/accounts/${l.publicKey}`).then(
        (a) => ({ ...l, reputationPpm: a.account.reputationPpm }),
        () => ({ ...l, reputationPpm: null }),
      ),
    ),
  );
  leags.sort((a, b) => (b.reputationPpm ?? 0) - (a.reputationPpm ?? 0));
  fill(
    'leags',
    leags.map((l) => [
      l.name,
      { v: fmt(l.reputationPpm), cls: 'num' },
      bar(l.reputationPpm ?? 0),
      members.has(l.publicKey) ? { v: 'member', cls: 'ok' } : { v: '–', cls: 'muted' },
    ]),
  );
}

async function refreshMarket() {
  const current = await api('/v1/market/current');
  text('market-window', current.window);
  text('blocks-left', fmt(current.blocksLeft));
  text('feed-in', fmt(current.tariff?.feedInPrice));
  text('retail', fmt(current.tariff?.retailPrice));
  text('rmin', fmt(current.rMinPpm));
  const from = Math.max(0, current.window - 29);
  const { windows } = await api(`/v1/market/windows?from=${from}&to=${current.window}`);
  const cleared = windows.filter(
    (w) => w.status !== 'open' && w.status !== 'future' && w.stations.length > 0,
  );
  const last = cleared.at(-1);
  text('cleared-window', last ? last.window : '–');
  const stations = last?.stations ?? [];
  text('ev-to-ev', fmt(sum(stations, (s) => s.volumeWh)));
  text('cross', fmt(sum(stations, (s) => s.crossOutWh)));
  text('to-grid', fmt(sum(stations, (s) => s.toGridWh)));
  text('from-grid', fmt(sum(stations, (s) => s.fromGridWh)));
  const num = (v) => ({ v: fmt(v), cls: 'num' });
  fill(
    'stations',
    stations.map((s) => [
      nameOf(s.leag),
      num(s.price),
      num(s.supplyWh),
      num(s.demandWh),
      num(s.volumeWh + s.crossOutWh),
      num(s.toGridWh),
      num(s.fromGridWh),
      num(s.unmetWh),
    ]),
  );
  const settled = windows
    .filter((w) => w.status === 'settled' && w.stations.length > 0)
    .slice(-3)
    .reverse();
  fill(
    'settlements',
    settled.flatMap((w) =>
      w.stations
        .filter((s) => s.deliveredWh + s.shortfallWh + s.toGridDeliveredWh + s.paid + s.refunded > 0)
        .map((s) => [
          String(w.window),
          nameOf(s.leag),
          num(s.deliveredWh),
          { v: fmt(s.shortfallWh), cls: s.shortfallWh > 0 ? 'num bad' : 'num' },
          num(s.toGridDeliveredWh),
          num(s.paid),
          num(s.refunded),
        ]),
    ),
  );

  const xs = windows.map((w) => w.window);
  const stationKeys = [...new Set(windows.flatMap((w) => w.stations.map((s) => s.leag)))];
  charts.price.update(xs, [
    {
      label: 'retail',
      values: windows.map((w) => w.tariff?.retailPrice ?? null),
      stroke: '#999',
      dash: [6, 4],
      points: false,
    },
    {
      label: 'feed-in',
      values: windows.map((w) => w.tariff?.feedInPrice ?? null),
      stroke: '#bbb',
      dash: [2, 4],
      points: false,
    },
    ...stationKeys.map((key, i) => ({
      label: `price at ${nameOf(key)}`,
      stroke: colour(i),
      // A station clears at a price only in some windows: join them, and mark each.
      spanGaps: true,
      pointSize: 9,
      values: windows.map((w) => w.stations.find((s) => s.leag === key)?.price ?? null),
    })),
  ]);
  const total = (f) => windows.map((w) => (w.stations.length ? sum(w.stations, f) : null));
  charts.volume.update(xs, [
    { label: 'EV-to-EV at the station', values: total((s) => s.volumeWh) },
    { label: 'EV-to-EV across stations', values: total((s) => s.crossOutWh) },
    { label: 'EV-to-grid', values: total((s) => s.toGridWh) },
    { label: 'grid-to-EV', values: total((s) => s.fromGridWh) },
    { label: 'unmet', values: total((s) => s.unmetWh), dash: [4, 4] },
  ]);
  return current;
}

async function refreshReputation(current) {
  const page = await api('/v1/reputation?limit=200');
  text('rep-total', fmt(page.total));
  text('rep-untrusted', fmt(page.untrusted));
  const accounts = [...page.accounts].sort((a, b) => Number(b.untrusted) - Number(a.untrusted) || a.r - b.r);
  const pair = (c) => ({ v: `${c.succeeded} / ${c.failed}`, cls: c.failed > 0 ? 'num bad' : 'num' });
  const trust = (a) =>
    a.untrusted
      ? {
          v: `untrusted${a.untrustedAsSeller ? ' seller' : ''}${a.untrustedAsBuyer ? ' buyer' : ''}`,
          cls: 'bad',
        }
      : { v: 'yes', cls: 'ok' };
  fill(
    'reputation',
    accounts
      .slice(0, 40)
      .map((a) => [
        { v: short(a.account), cls: 'mono' },
        nameOf(a.leag),
        { v: fmt(a.r), cls: 'num' },
        { v: fmt(a.es), cls: a.untrustedAsSeller ? 'num bad' : 'num' },
        { v: fmt(a.eb), cls: a.untrustedAsBuyer ? 'num bad' : 'num' },
        pair(a.sales),
        pair(a.purchases),
        trust(a),
      ]),
  );
  // Histories move once per settled window: fetch them when the window changes, for the accounts that traded most.
  if (current.window === state.repWindow && !state.roleChanged) return;
  state.repWindow = current.window;
  state.roleChanged = false;
  const traded = (a) => a.sales.succeeded + a.sales.failed + a.purchases.succeeded + a.purchases.failed;
  const shown = [...page.accounts]
    .filter((a) => traded(a) > 0)
    .sort((a, b) => Number(b.untrusted) - Number(a.untrusted) || traded(b) - traded(a))
    .slice(0, 8);
  const histories = await Promise.all(shown.map((a) => api(`/v1/reputation/${a.account}/history`)));
  const role = $('rep-role').value;
  const xs = [...new Set(histories.flatMap((h) => h.history.map((p) => p.window)))].sort((a, b) => a - b);
  charts.reputation.update(xs, [
    {
      label: 'R_min',
      values: xs.map(() => page.rMinPpm),
      stroke: '#d1242f',
      dash: [8, 4],
      points: false,
      width: 1.5,
    },
    ...histories.map((h, i) => ({
      label: `${short(h.account)} (${nameOf(shown[i].leag)})`,
      stroke: colour(i + 1),
      values: heldAt(
        xs,
        h.history.map((p) => ({ window: p.window, value: p[role] })),
      ),
    })),
  ]);
}

async function refreshAll() {
  if (state.busy) {
    state.pending = true;
    return;
  }
  state.busy = true;
  try {
    await refreshChain();
    const current = await refreshMarket();
    await refreshReputation(current);
    document.body.dataset.loaded = 'true';
  } catch (err) {
    setLive('error', `error: ${err.message}`);
  } finally {
    state.busy = false;
    if (state.pending) {
      state.pending = false;
      setTimeout(refreshAll, 250);
    }
  }
}

/** Refreshes at most once a second however fast blocks come. */
let scheduled = null;
function schedule() {
  if (scheduled !== null) return;
  scheduled = setTimeout(() => {
    scheduled = null;
    refreshAll();
  }, 1000);
}

function setLive(kind, label) {
  const live = $('live');
  live.dataset.state = kind;
  live.textContent = label ?? kind;
}

function onBlock(b) {
  state.blockEvents++;
  document.body.dataset.blockEvents = String(state.blockEvents);
  setLive('live', `live · ${state.blockEvents} blocks received`);
  text('height', fmt(b.height));
  state.lastBlockTime = b.timestamp;
  state.blocks.unshift(b);
  state.blocks.length = Math.min(state.blocks.length, 10);
  fill(
    'blocks',
    state.blocks.map((x) => [
      { v: fmt(x.height), cls: 'num' },
      { v: fmt(x.txs), cls: 'num' },
      { v: short(x.hash), cls: 'mono' },
      new Date(x.timestamp).toLocaleTimeString('en-GB'),
    ]),
  );
  schedule();
}

function connect() {
  const events = new EventSource('/v1/events');
  events.onopen = () => setLive('live', 'live');
  events.addEventListener('block', (e) => onBlock(JSON.parse(e.data)));
  // EventSource reconnects by itself; say so meanwhile.
  events.onerror = () => setLive('reconnecting', 'reconnecting…');
}

state.chain = await api('/v1/chain');
for (const l of state.chain.leags) state.names.set(l.publicKey, l.name);
text(
  'chain-id',
  `chain ${state.chain.chainId} · blocks every ${state.chain.blockIntervalMs} ms · windows of ${state.chain.windowBlocks} blocks`,
);
$('rep-role').addEventListener('change', () => {
  state.roleChanged = true;
  refreshAll();
});
setInterval(() => {
  if (state.lastBlockTime !== null)
    text('block-age', `${((Date.now() - state.lastBlockTime) / 1000).toFixed(1)} s ago`);
}, 250);
setInterval(refreshAll, 5000);
connect();
await refreshAll();
