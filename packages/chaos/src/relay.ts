/**
 * The delaying TCP relay (docs/decisions/0016-chaos-hosts-and-latency-relay.md). One
 * runs inside each LEAG's network namespace, listening on the LEAG's bridge
 * address and forwarding every connection to the daemon's libp2p port on the
 * namespace's loopback, so every connection between two LEAGs passes through
 * exactly one relay: the dialled LEAG's. That relay holds each chunk for the
 * delay of the dialling LEAG plus its own, in both directions.
 *
 *   node relay.ts --listen 10.77.0.11:7000 --target 127.0.0.1:7100 --self 10.77.0.11
 *
 * Delays arrive on stdin, one JSON object a line: {"10.77.0.12": 120, ...}
 * (milliseconds by source address; a missing address means 0). The relay
 * exits when stdin closes, so it never outlives the harness.
 */

import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { delayedPipe } from './delayLine.ts';

const { values } = parseArgs({
  options: { listen: { type: 'string' }, target: { type: 'string' }, self: { type: 'string' } },
});
const [listenHost, listenPort] = hostPort(values.listen);
const [targetHost, targetPort] = hostPort(values.target);
const self = values.self ?? listenHost;
let delays: Record<string, number> = {};

const server = createServer((inbound: Socket) => {
  const source = (inbound.remoteAddress ?? '').replace(/^::ffff:/, '');
  const delay = () => (delays[source] ?? 0) + (delays[self] ?? 0);
  const outbound = connect({ host: targetHost, port: targetPort });
  const close = () => {
    inbound.destroy();
    outbound.destroy();
  };
  inbound.on('error', close).on('close', close);
  outbound.on('error', close).on('close', close);
  inbound.setNoDelay(true);
  outbound.setNoDelay(true);
  delayedPipe(inbound, outbound, delay);
  delayedPipe(outbound, inbound, delay);
});
server.listen(listenPort, listenHost, () => process.stdout.write('relay listening\n'));

createInterface({ input: process.stdin })
  .on('line', (line) => {
    delays = JSON.parse(line) as Record<string, number>;
  })
  .on('close', () => process.exit(0));

function hostPort(value: string | undefined): [string, number] {
  const m = /^([0-9.]+):([0-9]+)$/.exec(value ?? '');
  if (!m) throw new Error(`expected host:port, got ${value}`);
  return [m[1]!, Number(m[2])];
}
