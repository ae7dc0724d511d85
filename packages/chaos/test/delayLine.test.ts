import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { delayedPipe } from '../src/delayLine.ts';

/** A relay on loopback in front of an echo server, with a settable delay. */
async function relayedEcho(delay: { ms: number }) {
  const echo = createServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const relay = createServer((inbound: Socket) => {
    const outbound = connect((echo.address() as AddressInfo).port, '127.0.0.1');
    delayedPipe(inbound, outbound, () => delay.ms);
    delayedPipe(outbound, inbound, () => 0);
  }).listen(0, '127.0.0.1');
  await once(relay, 'listening');
  const client = connect((relay.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  return {
    client,
    close: () => {
      client.destroy();
      relay.close();
      echo.close();
    },
  };
}

describe('delaying relay', () => {
  test('holds data for the delay and keeps its order when the delay shrinks mid-stream', async () => {
    const delay = { ms: 150 };
    const { client, close } = await relayedEcho(delay);
    let received = '';
    let firstAt = 0;
    client.on('data', (d: Buffer) => {
      firstAt ||= performance.now();
      received += d.toString();
    });
    const sent = performance.now();
    client.write('one,');
    await new Promise((r) => setTimeout(r, 20));
    delay.ms = 0;
    client.write('two,');
    client.write('three');
    while (received.length < 'one,two,three'.length) await new Promise((r) => setTimeout(r, 10));
    close();
    assert.equal(received, 'one,two,three');
    assert.ok(firstAt - sent >= 140, `arrived after ${firstAt - sent} ms`);
  });

  test('passes data straight through with no delay', async () => {
    const { client, close } = await relayedEcho({ ms: 0 });
    const sent = performance.now();
    client.write('ping');
    await once(client, 'data');
    close();
    assert.ok(performance.now() - sent < 100);
  });
});
