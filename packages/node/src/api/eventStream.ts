import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ApiApp } from './apiApp.ts';
import { ApiError } from './apiError.ts';
import type { ApiMetrics } from './apiMetrics.ts';
import { type ApiLimits, type ClientLimits, clientOf } from './clientLimits.ts';

/**
 * What `GET /v1/events?topics=` can follow: `block` after every committed
 * block (BlockEvent), and the market's windows as they clear and settle
 * (marketEvents.ts). Like the Beacon API's event stream, a subscriber names
 * the topics it wants; without `topics` it gets `block` alone, which is all
 * the stream carried before the market topics and what readers that do not
 * look at the event name still expect.
 */
export const STREAM_TOPICS = ['block', 'market-window-cleared', 'market-window-settled'] as const;
export type StreamTopic = (typeof STREAM_TOPICS)[number];

const TOPIC = `(${STREAM_TOPICS.join('|')})`;
const topicsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    topics: {
      type: 'string',
      pattern: `^${TOPIC}(,${TOPIC})*$`,
      default: 'block',
      description: `comma-separated: ${STREAM_TOPICS.join(', ')}`,
    },
  },
} as const;

/**
 * Server-sent events: each topic's events, to every subscriber of
 * `GET /v1/events` that named the topic.
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
  /** Each subscriber with the topics it follows. */
  const subscribers = new Map<ServerResponse, ReadonlySet<StreamTopic>>();

  const drop = (res: ServerResponse) => {
    metrics.streamsDropped.inc();
    c.logger.debug({ backlog: res.writableLength }, 'event stream dropped: the subscriber does not read');
    res.destroy();
  };

  const send = (topic: StreamTopic, e: unknown) => {
    const frame = Buffer.from(`event: ${topic}\ndata: ${JSON.stringify(e)}\n\n`);
    for (const [res, topics] of subscribers) {
      if (!topics.has(topic)) continue;
      // A subscriber with nothing queued always gets the event, however large; one already behind is
      // cut off before its queue passes the bound.
      if (res.writableLength > 0 && res.writableLength + frame.length > apiLimits.apiStreamBufferBytes)
        drop(res);
      else res.write(frame);
    }
  };
  const listeners = STREAM_TOPICS.map((topic) => [topic, (e: unknown) => send(topic, e)] as const);
  for (const [topic, listener] of listeners) c.events.on(topic, listener);
  // Open streams never end by themselves: end them so that closing the server does not wait on them.
  app.addHook('preClose', async () => {
    for (const [topic, listener] of listeners) c.events.off(topic, listener);
    for (const res of subscribers.keys()) res.end();
  });

  app.get('/v1/events', { schema: { querystring: topicsQuery } }, (req, reply) => {
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
    subscribers.set(res, new Set(req.query.topics.split(',') as StreamTopic[]));
    metrics.streams.set(limits.streamCount);
    res.once('close', () => {
      subscribers.delete(res);
      limits.closeStream(client);
      metrics.streams.set(limits.streamCount);
    });
  });
}
