// Ports: 38100–38299 (see testnet.test.ts for the other files' ranges).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultNodeLimits } from '@v2g/node';
import { followBlocks, TrafficDriver, waitFor } from '@v2g/testnet';
import { Cluster } from './cluster.ts';

const CLIENTS = 1000;

/** The status code of the first bytes a paused socket was sent, read once it resumes. */
function firstStatus(s: Socket): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(0), 5000);
    s.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(Number(chunk.subarray(9, 12).toString()));
    });
    s.resume();
  });
}
/** Each loopback address is a client of its own; 8 streams each is the default per-client share. */
const PER_ADDRESS = defaultNodeLimits.apiMaxStreamsPerClient;
const LOAD_SECONDS = 20;
const RATE = 200;

/**
 * Issue 13: 1,000 clients that opened `GET /v1/events` and never read, with
 * 200 tx/s of load, grew a LEAG's heap until it died after about 2 minutes.
 * With the default bounds, the streams beyond the global cap are refused with
 * 429 `too-many-streams`, the LEAG keeps committing within its memory ceiling,
 * and a client that reads its events and one that calls the API are served.
 */
describe('1,000 event-stream clients that never read, under load', { timeout: 180_000 }, () => {
  let cluster: Cluster;
  const silent: Socket[] = [];
  const abort = new AbortController();

  before(async () => {
    cluster = await Cluster.create({
      leags: 1,
      p2pBasePort: 38100,
      httpBasePort: 38200,
      blockIntervalMs: 200,
      windowBlocks: 10,
      committeeSize: 0,
    });
    cluster.start(0);
    await cluster.waitForHeight(0, 1);
  });

  after(async () => {
    abort.abort();
    for (const s of silent) s.destroy();
    await cluster?.close();
  });

  test('are refused beyond the stream caps while the LEAG keeps committing and serving others', async (t) => {
    const client = cluster.clients[0]!;
    const driver = new TrafficDriver({
      genesis: cluster.net.genesis,
      ra: cluster.net.ra,
      grid: cluster.net.grid,
      leagKeys: cluster.net.leagKeys,
      clients: cluster.clients,
      evCount: 20,
      coinsPerEv: 32,
    });
    let events = 0;
    let lastEventHeight = 0;
    void followBlocks(
      client.baseUrl,
      (e) => {
        events++;
        lastEventHeight = e.height;
        const at = performance.now();
        for (const id of e.txIds) driver.onCommitted(id, at);
      },
      abort.signal,
    ).catch(() => undefined);
    await driver.tariffs(0, 100, 300, 80);
    await driver.registerAll();
    await driver.depositAll((await client.head()).height, 1_000_000);

    // 1,000 connections from 125 loopback addresses: each sends its request and never reads a byte.
    const port = Number(new URL(client.baseUrl).port);
    for (let i = 0; i < CLIENTS; i++) {
      const localAddress = `127.0.1.${1 + Math.floor(i / PER_ADDRESS)}`;
      const s = connect({ port, host: '127.0.0.1', localAddress }, () => {
        s.write('GET /v1/events HTTP/1.1\r\nhost: leag\r\n\r\n');
      });
      s.pause();
      s.on('error', () => undefined);
      silent.push(s);
      if (i % 100 === 99) await sleep(100);
    }

    const end = Date.now() + LOAD_SECONDS * 1000;
    let slowest = 0;
    while (Date.now() < end) {
      const t = performance.now();
      await client.head();
      slowest = Math.max(slowest, performance.now() - t);
      await driver.transfers(RATE / 10).catch(() => 0);
      await sleep(Math.max(0, 100 - (performance.now() - t)));
    }

    const head = (await client.head()).height;
    await waitFor('the reading client to see the head', 10_000, async () =>
      lastEventHeight >= head ? true : undefined,
    );
    assert.ok(events > 0);
    assert.ok(
      driver.latencies.length > RATE * 5,
      `${driver.latencies.length} transfers committed during the load`,
    );
    assert.ok(slowest < 2000, `GET /v1/head took up to ${Math.round(slowest)} ms`);

    const streams = await cluster.metric(0, /^v2g_api_event_streams$/);
    const refused = await cluster.metric(0, /^v2g_api_refused_total\{code="too-many-streams"\}$/);
    assert.equal(
      streams,
      defaultNodeLimits.apiMaxStreams,
      'the global cap holds (the reading client included)',
    );
    assert.equal(
      refused,
      CLIENTS + 1 - defaultNodeLimits.apiMaxStreams,
      'every stream beyond the cap was refused',
    );

    // Now, and only now, read what each silent client was answered.
    const statuses = await Promise.all(silent.map(firstStatus));
    const count = (status: number) => statuses.filter((x) => x === status).length;
    assert.equal(count(200), defaultNodeLimits.apiMaxStreams - 1, 'streams admitted up to the cap');
    assert.equal(count(429), CLIENTS - count(200), 'every other stream refused with 429');

    const rss = await cluster.metric(0, /^process_resident_memory_bytes$/);
    assert.ok(
      rss < 0.9 * defaultNodeLimits.memoryCeilingMb * 1024 * 1024,
      `RSS ${Math.round(rss / 2 ** 20)} MiB`,
    );
    const health = await client.health();
    assert.ok(!health.reasons.some((r) => r.condition === 'memory-high'), JSON.stringify(health));
    t.diagnostic(
      JSON.stringify({
        rssMiB: Math.round(rss / 2 ** 20),
        slowestHeadMs: Math.round(slowest),
        committed: driver.latencies.length,
        head,
      }),
    );
  });
});
