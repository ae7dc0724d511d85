import { Ajv, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Fastify's default validator coerces types everywhere (`coerceTypes:
 * 'array'`), so `{"txs": "00"}` became `{"txs": ["00"]}` and was accepted,
 * and it strips unknown body fields instead of refusing them. A JSON body
 * already carries its types: it is validated as sent, with no coercion and no
 * silent removal. Path parameters and query strings only ever arrive as text,
 * so there `"5"` is read as the integer the schema asks for — that is parsing,
 * not coercion of a typed value.
 */
const common: Options = { useDefaults: true, allErrors: false, addUsedSchema: false };

const strict = new Ajv({ ...common, coerceTypes: false, removeAdditional: false });
const fromText = new Ajv({ ...common, coerceTypes: true, removeAdditional: true });

export const validatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const ajv = route.httpPart === 'params' || route.httpPart === 'querystring' ? fromText : strict;
  return ajv.compile(route.schema as object);
};
