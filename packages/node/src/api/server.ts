import type { EventEmitter } from 'node:events';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { AddResult, Mempool } from '@v2g/consensus';
import {
  blockCodec,
  blockHash,
  certificateCodec,
  encodeTx,
  evAccountCodec,
  fromHex,
  Keys,
  leagCodec,
  MerkleTree,
  StateView,
  toHex,
  txCodec,
  txHash,
  utxoCodec,
} from '@v2g/core';
import Fastify, { type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { defaultNodeLimits, type NodeLimits } from '../config/config.ts';
import type { HealthMonitor } from '../health/healthMonitor.ts';
import type { NodeMetrics } from '../metrics/nodeMetrics.ts';
import { decodeTxBatch } from '../network/txBatch.ts';
import type { ChainStore } from '../storage/chainStore.ts';
import type { ApiApp } from './apiApp.ts';
import { ApiError, errorBody } from './apiError.ts';
import { createApiMetrics } from './apiMetrics.ts';
import { registerChainInfoRoute } from './chainInfoRoute.ts';
import { ClientLimits, installClientLimits } from './clientLimits.ts';
import { registerEventStream } from './eventStream.ts';
import { registerHealthRoute } from './healthRoute.ts';
import { registerLeagHistoryRoutes } from './leagHistoryRoutes.ts';
import { registerMarketRoutes } from './marketRoutes.ts';
import { registerOpenApi } from './openapi.ts';
import { registerPages } from './pages.ts';
import { clientErrorHandler, frameworkErrors } from './protocolErrors.ts';
import { validatorCompiler } from './requestValidation.ts';
import { singleTxBody, TX_HEX } from './schemas.ts';
import { batchAnswer, submissionResult } from './submissionResult.ts';

export interface CommitteeMember {
  readonly publicKey: string;
  readonly name: string;
  readonly reputationPpm: number;
}

export interface ApiComponents {
  readonly chain: ChainStore;
  readonly mempool: Mempool;
  readonly registry: Registry;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
  /** Emits each stream topic's events (eventStream.ts): 'block' with a BlockEvent after every commit, and the market's. */
  readonly events: EventEmitter;
  /** Admits a client's transaction; resolves once an acknowledged one is journalled (it survives a kill). */
  submitTx(bytes: Uint8Array): AddResult | Promise<AddResult>;
  peers(): { peerId: string; leag: string | null }[];
  committee(): CommitteeMember[];
  status(): { syncing: boolean; consensus: string };
  /**
   * The node's health monitor, fed by the parts that see sync, store and disk
   * trouble; without one the API runs its own, which sees only stalls, a
   * halted consensus and memory (healthRoute.ts).
   */
  readonly health?: HealthMonitor;
}

export interface BlockEvent {
  readonly height: number;
  readonly hash: string;
  readonly txs: number;
  readonly timestamp: number;
  readonly txIds: readonly string[];
}

const MAX_BATCH = 2000;
const HEX64 = '^[0-9a-f]{64}$';

export interface ApiOptions {
  readonly bodyLimit: number;
  /** Client limits and health settings (a NodeConfig will do); missing ones take `defaultNodeLimits`. */
  readonly limits?: Partial<NodeLimits>;
}

/**
 * The HTTP API for EVs and operators. Every body and parameter is checked by
 * JSON schema; errors are `{"error": {"code", "message"}}` with a 4xx/5xx.
 */
export function createApi(c: ApiComponents, options: ApiOptions): ApiApp {
  const app: ApiApp = Fastify({
    bodyLimit: options.bodyLimit,
    logger: false,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<JsonSchemaToTsProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Before any route: the OpenAPI document is built from the routes as they are added.
  registerOpenApi(app);
  registerPages(app);
  const limits: NodeLimits = { ...defaultNodeLimits, ...options.limits };
  const apiMetrics = createApiMetrics(c.registry);
  const clients = new ClientLimits(limits, Date.now);
  installClientLimits(app, clients, limits, apiMetrics);

  app.addHook('onResponse', async (req, reply) => {
    c.metrics.httpRequests.inc({
      route: req.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    });
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof ApiError) {
      // A client refused for its limits does not keep the connection: it would hold a slot it was refused.
      if (err.status === 429) reply.header('connection', 'close');
      return reply.status(err.status).send(errorBody(err.code, err.message));
    }
    const e = err as { statusCode?: number; code?: string; validation?: unknown; message: string };
    if (e.validation) return reply.status(400).send(errorBody('invalid-request', e.message));
    if (e.statusCode === 413) return reply.status(413).send(errorBody('payload-too-large', e.message));
    if (e.statusCode && e.statusCode < 500) {
      return reply.status(e.statusCode).send(errorBody('invalid-request', e.message));
    }
    c.logger.error({ err }, 'api internal error');
    return reply.status(500).send(errorBody('internal', 'internal error'));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody('not-found', `no route ${req.method} ${req.url}`));
  });

  /** One accepted transaction answers 202 with its result; a refused one, the API error with its code. */
  const submitOne = async (bytes: Uint8Array, reply: FastifyReply) => {
    const r = submissionResult(await c.submitTx(bytes));
    if (!r.accepted) throw new ApiError(r.error.code, r.error.message);
    return reply.status(202).send(r);
  };

  app.post(
    '/v1/txs',
    {
      schema: {
        body: singleTxBody,
      },
    },
    async (req, reply) => submitOne(fromHex(req.body.tx), reply),
  );

  app.post(
    '/v1/txs/batch',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['txs'],
          properties: {
            txs: {
              type: 'array',
              maxItems: MAX_BATCH,
              items: TX_HEX,
            },
          },
        },
      },
    },
    async (req) => batchAnswer(await Promise.all(req.body.txs.map((hex) => c.submitTx(fromHex(hex))))),
  );

  /**
   * Binary batch for load generators and LEAG-side tools: the body is a CBOR
   * list of transaction byte strings (the gossip batch format), sent as
   * `application/cbor`. Answers as /v1/txs/batch does (submissionResult.ts).
   */
  app.addContentTypeParser('application/cbor', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/v1/txs/cbor', async (req) => {
    if (!(req.body instanceof Uint8Array)) throw new ApiError('invalid-request', 'send application/cbor');
    let txs: Uint8Array[];
    try {
      txs = decodeTxBatch(req.body, options.bodyLimit);
    } catch (err) {
      throw new ApiError('malformed', err instanceof Error ? err.message : String(err));
    }
    return batchAnswer(await Promise.all(txs.map((bytes) => c.submitTx(bytes))));
  });

  /** The same as /v1/txs, with the transaction in its JSON form (hex for bytes). */
  app.post('/v1/txs/json', async (req, reply) => {
    let bytes: Uint8Array;
    try {
      bytes = encodeTx(txCodec.fromJson(req.body, 'tx'));
    } catch (err) {
      throw new ApiError('malformed', err instanceof Error ? err.message : String(err));
    }
    return submitOne(bytes, reply);
  });

  app.get('/v1/txs/:id', { schema: { params: hexParam('id') } }, async (req) => {
    const idHex = req.params.id;
    const loc = await c.chain.locateTx(fromHex(idHex));
    if (!loc) {
      if (c.mempool.hasId(idHex)) return { id: idHex, status: 'pending' };
      // Admitted here, then dropped: the client must resubmit (a new transaction if inputs were spent).
      const dropped = c.mempool.dropped(idHex);
      if (dropped) return { id: idHex, status: 'dropped', code: dropped.code, reason: dropped.reason };
      throw new ApiError('not-found', `transaction ${idHex} is neither committed nor pending`);
    }
    const block = await c.chain.decodedBlockAt(loc.height);
    if (!block) throw new ApiError('internal', 'indexed block missing');
    const hashes = block.txs.map(txHash);
    const tree = new MerkleTree(hashes);
    const tx = block.txs[loc.index]!;
    return {
      id: idHex,
      status: 'committed',
      height: loc.height,
      index: loc.index,
      blockHash: toHex(blockHash(block.header)),
      txHash: toHex(hashes[loc.index]!),
      proof: {
        leafIndex: loc.index,
        treeSize: hashes.length,
        path: tree.proof(loc.index).map(toHex),
        txRoot: toHex(block.header.txRoot),
      },
      tx: txCodec.toJson(tx),
    };
  });

  app.get('/v1/head', async () => {
    const head = c.chain.head;
    return { height: head.height, hash: toHex(head.hash), stateRoot: toHex(c.chain.state.digest) };
  });

  app.get(
    '/v1/blocks/:ref',
    {
      schema: {
        params: {
          type: 'object',
          required: ['ref'],
          properties: { ref: { type: 'string', pattern: '^([0-9]{1,15}|[0-9a-f]{64})$' } },
        } as const,
      },
    },
    async (req) => {
      const ref = req.params.ref;
      const height = ref.length === 64 ? await c.chain.heightOf(fromHex(ref)) : Number(ref);
      const block = height === undefined ? undefined : await c.chain.decodedBlockAt(height);
      if (!block || height === undefined) throw new ApiError('not-found', `no block ${ref}`);
      const cert = await c.chain.certificateAt(height);
      return {
        hash: toHex(blockHash(block.header)),
        block: blockCodec.toJson(block),
        certificate: cert ? certificateCodec.toJson(cert) : null,
      };
    },
  );

  app.get('/v1/accounts/:key', { schema: { params: hexParam('key') } }, async (req) => {
    const key = fromHex(req.params.key);
    const view = new StateView(c.chain.state);
    const ev = view.read(evAccountCodec, Keys.ev(key));
    if (ev) return { role: 'ev', account: evAccountCodec.toJson(ev) };
    const leag = view.read(leagCodec, Keys.leag(key));
    if (leag) return { role: 'leag', account: leagCodec.toJson(leag) };
    throw new ApiError('not-found', `no EV or LEAG registered with key ${toHex(key)}`);
  });

  app.get(
    '/v1/addresses/:address',
    {
      schema: {
        params: {
          type: 'object',
          required: ['address'],
          properties: { address: { type: 'string', pattern: '^[0-9a-f]{40}$' } },
        } as const,
      },
    },
    async (req) => {
      const address = req.params.address;
      const utxos: { txId: string; index: number; amount: number }[] = [];
      for (const [key, value] of c.chain.state.scan('utxo/')) {
        // The address is the first field of the UTXO record; compare its hex without decoding all.
        if (!toHex(value).includes(address)) continue;
        const entry = new StateView(c.chain.state).read(utxoCodec, key);
        if (!entry || toHex(entry.address) !== address) continue;
        const [txId, index] = key.slice(5).split(':');
        utxos.push({ txId: txId!, index: Number(index), amount: entry.amount });
      }
      return { address, balance: utxos.reduce((s, u) => s + u.amount, 0), utxos };
    },
  );

  registerChainInfoRoute(app, c);
  app.get('/v1/committee', async () => ({ height: c.chain.head.height + 1, members: c.committee() }));
  app.get('/v1/peers', async () => ({ peers: c.peers() }));
  registerHealthRoute(app, { ...c, mempoolSize: () => c.mempool.size }, limits);
  app.get('/metrics', async (_req, reply) => {
    c.metrics.mempoolSize.set(c.mempool.size);
    reply.header('content-type', c.registry.contentType);
    return c.registry.metrics();
  });

  registerEventStream(app, c, clients, limits, apiMetrics);
  registerMarketRoutes(app, c);
  registerLeagHistoryRoutes(app, c);
  return app;
}

/** `{ <name>: 64 hex digits }` as a path-parameter schema, typed with its literal name. */
function hexParam<const N extends string>(
  name: N,
): {
  readonly type: 'object';
  readonly required: readonly [N];
  readonly properties: { readonly [K in N]: { readonly type: 'string'; readonly pattern: typeof HEX64 } };
} {
  return {
    type: 'object',
    required: [name],
    properties: { [name]: { type: 'string', pattern: HEX64 } },
  } as never;
}
