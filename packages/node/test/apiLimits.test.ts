import assert from 'node:assert/strict';
import { type IncomingMessage, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { HealthMonitor } from '../src/health/healthMonitor.ts';
import { type ApiFixture, startApi } from './apiFixture.ts';

let api: ApiFixture | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await api?.close();
  api = undefined;
});

/** One request from a given loopback address (each address is its own client), on its own connection. */
function get(
  path: string,
  from = '127.0.0.1',
): Promise<{ status: number; json: Record<string, unknown>; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api!.url}${path}`, { localAddress: from, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: body ? JSON.parse(body) : {}, res }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens an event stream and resolves with the response once its headers are in (the body keeps flowing). */
function openStream(
  from = '127.0.0.1',
): Promise<{ status: number; res: IncomingMessage; body: () => string }> {
  return new Promise((resolve, reject) => {
    let body = '';
    const req = request(`${api!.url}/v1/events`, { localAddress: from, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('error', () => undefined);
      sockets.push(res.socket);
      resolve({ status: res.statusCode ?? 0, res, body: () => body });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A connection that sends a request and then never reads a byte of the answer. */
function silentStream(path = '/v1/events'): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect({ port: api!.port, host: '127.0.0.1' }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
      s.pause();
      resolve(s);
    });
    s.on('error', () => undefined);
    sockets.push(s);
  });
}

async function metric(name: string, labels = ''): Promise<number> {
  const text = await api!.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const code = (json: Record<string, unknown>) => (json.error as { code?: string } | undefined)?.code;

test('a client over its request rate gets 429 rate-limited with retry-after; another client is still served', async () => {
  api = await startApi({ limits: { apiRatePerSecond: 1, apiRateBurst: 5 } });
  for (let i = 0; i < 5; i++) assert.equal((await get('/v1/head')).status, 200);
  const over = await get('/v1/head');
  assert.equal(over.status, 429);
  assert.equal(code(over.json), 'rate-limited');
  assert.equal(over.res.headers['retry-after'], '1');
  assert.equal((await get('/v1/head', '127.0.0.2')).status, 200);
  assert.equal(await metric('v2g_api_refused_total', '{code="rate-limited"}'), 1);
});

test('a connection beyond the client’s share gets 429 too-many-connections; another client is still served', async () => {
  api = await startApi({ limits: { apiMaxConnectionsPerClient: 2 } });
  for (let i = 0; i < 2; i++) sockets.push(connect(api.port, '127.0.0.1'));
  await sleep(50);
  const third = await get('/v1/head');
  assert.equal(third.status, 429);
  assert.equal(code(third.json), 'too-many-connections');
  assert.equal((await get('/v1/head', '127.0.0.2')).status, 200);
  for (const s of sockets.splice(0)) s.destroy();
  await sleep(50);
  assert.equal((await get('/v1/head')).status, 200, 'closed connections give their slots back');
});

test('event streams are bounded per client and in all, and a closed stream frees its slot', async () => {
  api = await startApi({ limits: { apiMaxStreamsPerClient: 2, apiMaxStreams: 3 } });
  assert.equal((await openStream()).status, 200);
  const second = await openStream();
  assert.equal(second.status, 200);
  const perClient = await get('/v1/events');
  assert.equal(perClient.status, 429);
  assert.equal(code(perClient.json), 'too-many-streams');
  assert.equal((await openStream('127.0.0.2')).status, 200);
  const global = await get('/v1/events', '127.0.0.3');
  assert.equal(global.status, 429);
  assert.match(String((global.json.error as { message: string }).message), /at most 3 event streams/);
  assert.equal(await metric('v2g_api_event_streams'), 3);
  second.res.destroy();
  await sleep(50);
  assert.equal((await openStream('127.0.0.3')).status, 200);
});

test('a subscriber that never reads is disconnected once its backlog passes the bound; a reader keeps every event', async () => {
  api = await startApi({ limits: { apiStreamBufferBytes: 256 * 1024 } });
  const reader = await openStream('127.0.0.2');
  const silent = await silentStream();
  await sleep(50);
  assert.equal(await metric('v2g_api_event_streams'), 2);
  const closed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
  let sent = 0;
  // Events of ~130 kB (a block of 2,000 transactions); the kernel's socket buffers take some megabytes first.
  const txIds = Array.from({ length: 2000 }, (_, i) => i.toString(16).padStart(64, '0'));
  while ((await metric('v2g_api_event_streams_dropped_total')) === 0 && sent < 2000) {
    api.events.emit('block', { height: ++sent, hash: '00', txs: txIds.length, timestamp: 0, txIds });
    await sleep(2);
  }
  assert.ok(sent < 2000, 'the silent subscriber was dropped');
  assert.equal(
    await metric('v2g_api_event_streams_dropped_total'),
    1,
    'only the silent subscriber was dropped',
  );
  silent.resume();
  await closed;
  await sleep(100);
  assert.equal(await metric('v2g_api_event_streams'), 1);
  const frames = reader
    .body()
    .split('\n\n')
    .filter((f) => f.startsWith('event: block'));
  assert.equal(frames.length, sent, 'the reading subscriber got every event');
});

test('GET /v1/health answers 503 unhealthy with the reasons while a condition holds, 200 ok once it clears', async () => {
  const health = new HealthMonitor(
    { logger: pino({ level: 'silent' }), registry: new Registry(), now: Date.now, head: () => 0 },
    { stallAfterMs: 60_000, memoryCeilingBytes: 1 << 40, pollMs: 1000 },
  );
  api = await startApi({}, { health });
  const ok = await get('/v1/health');
  assert.equal(ok.status, 200);
  assert.equal(ok.json.status, 'ok');
  assert.deepEqual(ok.json.reasons, []);
  assert.equal(ok.json.height, 0, 'the existing fields stay');
  health.set('sync-failing', true, 'every peer refused our block requests');
  const bad = await get('/v1/health');
  assert.equal(bad.status, 503);
  assert.equal(bad.json.status, 'unhealthy');
  assert.deepEqual(
    (bad.json.reasons as { condition: string; message: string }[]).map((r) => [r.condition, r.message]),
    [['sync-failing', 'every peer refused our block requests']],
  );
  assert.equal(bad.json.consensus, 'test');
  health.set('sync-failing', false);
  assert.equal((await get('/v1/health')).status, 200);
});

test('a refused client does not keep its connection', async () => {
  api = await startApi({ limits: { apiMaxStreamsPerClient: 1 } });
  await openStream();
  const refused = await get('/v1/events');
  assert.equal(refused.status, 429);
  assert.equal(refused.res.headers.connection, 'close');
});
