import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ApiApp } from './apiApp.ts';
import { ApiError } from './apiError.ts';
import type { ApiMetrics } from './apiMetrics.ts';
import { type ApiLimits, type ClientLimits, clientOf } from './clientLimits.ts';

/**
 * Server-sent events: one `block` event per committed block, to every
 * subscriber of `GET /v1/events`.
 *
 * Each event is encoded once and the same bytes go to every subscriber, so
 * what waits in subscribers' queues is shared, not copied per subscriber. A
 * subscriber that does not read keeps a queue of its own all the same: once
 * its backlog (what its socket has not taken yet) would pass
 * `apiStreamBufferBytes`, it is disconnected. Before this bound, 1,000
 * clients that never read grew the heap until the LEAG died.
 */
export function registerEventStream(
  app: ApiApp,
  c: { events: EventEmitter; logger: Logger },
  limits: ClientLimits,
  apiLimits: ApiLimits,
  metrics: ApiMetrics,
): void {
  const subscribers = new Set<ServerResponse>();

  const drop = (res: ServerResponse) => {
    metrics.streamsDropped.inc();
    c.logger.debug({ backlog: res.writableLength }, 'event stream dropped: the subscriber does not read');
    res.destroy();
  };

  const onBlock = (e: unknown) => {
    const frame = Buffer.from(`event: block\ndata: ${JSON.stringify(e)}\n\n`);
    for (const res of subscribers) {
      // A subscriber with nothing queued always gets the event, however large; one already behind is
      // cut off before its queue passes the bound.
      if (res.writableLength > 0 && res.writableLength + frame.length > apiLimits.apiStreamBufferBytes)
        drop(res);
      else res.write(frame);
    }
  };
  c.events.on('block', onBlock);
  // Open streams never end by themselves: end them so that closing the server does not wait on them.
  app.addHook('preClose', async () => {
    c.events.off('block', onBlock);
    for (const res of subscribers) res.end();
  });

  app.get('/v1/events', (req, reply) => {
    const client = clientOf(req.socket);
    const slot = limits.openStream(client);
    if (slot !== 'ok') {
      metrics.refused.inc({ code: 'too-many-streams' });
      throw new ApiError(
        'too-many-streams',
        slot === 'client-full'
          ? `at most ${apiLimits.apiMaxStreamsPerClient} event streams per client`
          : `the LEAG serves at most ${apiLimits.apiMaxStreams} event streams; retry later`,
        429,
      );
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    subscribers.add(res);
    metrics.streams.set(limits.streamCount);
    res.once('close', () => {
      subscribers.delete(res);
      limits.closeStream(client);
      metrics.streams.set(limits.streamCount);
    });
  });
}
