import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';

/**
 * The API's Fastify instance with a JSON-schema type provider: each route's
 * params, query and body types are derived from the schema that validates
 * them, so a handler never casts `req.body as {...}`. A schema must be
 * `as const` (and list path params as `required`) for its type to be exact.
 */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  JsonSchemaToTsProvider
>;
