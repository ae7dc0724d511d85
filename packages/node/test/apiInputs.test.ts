import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { type ApiFixture, startApi } from './apiFixture.ts';

let api: ApiFixture;

before(async () => {
  api = await startApi();
});

after(async () => {
  await api.close();
});

async function send(method: string, path: string, body?: string) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Writes raw bytes and reads the whole response: the HTTP parser's own errors never reach fetch intact. */
function raw(request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(api.port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = Number(data.slice(9, 12));
      if (!status) reject(new Error(`no response: ${JSON.stringify(data.slice(0, 100))}`));
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

const code = (json: Record<string, unknown>) => (json.error as { code?: string } | undefined)?.code;

test('a string where POST /v1/txs/batch wants a list is refused, not coerced into a list', async () => {
  const r = await send('POST', '/v1/txs/batch', JSON.stringify({ txs: '00' }));
  assert.equal(r.status, 400);
  assert.equal(code(r.json), 'invalid-request');
});

test('a list of hex transactions is still taken by POST /v1/txs/batch, each with its own verdict', async () => {
  const r = await send('POST', '/v1/txs/batch', JSON.stringify({ txs: ['00'] }));
  assert.equal(r.status, 200);
  assert.equal(r.json.accepted, 0);
  assert.equal((r.json.results as { error: { code: string } }[])[0]?.error.code, 'malformed');
});

test('a number where a hex string is expected is refused, and unknown body fields are refused too', async () => {
  assert.equal((await send('POST', '/v1/txs', JSON.stringify({ tx: 1234 }))).status, 400);
  const extra = await send('POST', '/v1/txs', JSON.stringify({ tx: '00', extra: true }));
  assert.equal(extra.status, 400);
  assert.match(String((extra.json.error as { message: string }).message), /additional properties/);
});

test('path parameters and query strings are still read as the integers and booleans their schemas name', async () => {
  const window = await send('GET', '/v1/market/windows/1?limit=5');
  assert.equal(window.status, 200, JSON.stringify(window.json));
  assert.equal(window.json.window, 1);
  const rep = await send('GET', '/v1/reputation?limit=3&untrusted=true');
  assert.equal(rep.status, 200, JSON.stringify(rep.json));
  assert.equal((await send('GET', '/v1/reputation?limit=abc')).status, 400);
  const block = await send('GET', '/v1/blocks/0');
  assert.equal(code(block.json), 'not-found', 'height 0 passes the schema; there is no block 0');
});

test('an over-long path parameter gets 414 with the API error body', async () => {
  const r = await send('GET', `/v1/txs/${'ab'.repeat(200)}`);
  assert.equal(r.status, 414);
  assert.equal(code(r.json), 'uri-too-long');
});

test('oversized request headers get 431 with the API error body', async () => {
  const r = await raw(`GET /v1/head HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.equal(r.status, 431);
  assert.equal(code(JSON.parse(r.body)), 'headers-too-large');
});

test('bytes that are not HTTP get 400 with the API error body', async () => {
  const r = await raw('NOT HTTP AT ALL\r\n\r\n');
  assert.equal(r.status, 400);
  assert.equal(code(JSON.parse(r.body)), 'invalid-request');
});
