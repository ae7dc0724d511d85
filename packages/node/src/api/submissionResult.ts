import type { AddResult } from '@v2g/consensus';

/**
 * One shape for what became of a submitted transaction, on every endpoint
 * that takes them (`/v1/txs`, `/v1/txs/json`, `/v1/txs/batch`, `/v1/txs/cbor`,
 * `/v1/market/txs`). A single submission that is accepted answers 202 with an
 * accepted result; one that is refused answers 4xx with the API's error body,
 * whose `error` is the refused result's. A batch answers 200 with one result
 * per transaction, in order, each with its index, and counts.
 */
export type SubmissionResult =
  | { readonly accepted: true; readonly id: string; readonly hash: string }
  | { readonly accepted: false; readonly error: { readonly code: string; readonly message: string } };

export type IndexedResult = SubmissionResult & { readonly index: number };

export interface BatchAnswer {
  /** How many were accepted and refused. */
  readonly accepted: number;
  readonly refusedCount: number;
  /** Every transaction's result, in the order sent. */
  readonly results: readonly IndexedResult[];
  /** The refused ones again, flat (`{index, code, message}`), for load generators that only count refusals. */
  readonly refused: readonly { readonly index: number; readonly code: string; readonly message: string }[];
}

export function submissionResult(r: AddResult): SubmissionResult {
  return r.ok
    ? { accepted: true, id: r.pending.idHex, hash: r.pending.hashHex }
    : { accepted: false, error: { code: r.code, message: r.reason } };
}

export function batchAnswer(results: readonly AddResult[]): BatchAnswer {
  const all: IndexedResult[] = results.map((r, index) => ({ index, ...submissionResult(r) }));
  const refused = results.flatMap((r, index) => (r.ok ? [] : [{ index, code: r.code, message: r.reason }]));
  return { accepted: all.length - refused.length, refusedCount: refused.length, results: all, refused };
}

const errorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;

/** JSON schemas of the answers above (for the OpenAPI document). */
export const acceptedSchema = {
  type: 'object',
  required: ['accepted', 'id', 'hash'],
  properties: {
    accepted: { type: 'boolean', const: true },
    id: { type: 'string', description: 'transaction id (hex)' },
    hash: { type: 'string', description: 'transaction hash, the Merkle leaf (hex)' },
  },
} as const;

export const batchAnswerSchema = {
  type: 'object',
  required: ['accepted', 'refusedCount', 'results', 'refused'],
  properties: {
    accepted: { type: 'integer' },
    refusedCount: { type: 'integer' },
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'accepted'],
        properties: {
          index: { type: 'integer' },
          accepted: { type: 'boolean' },
          id: { type: 'string' },
          hash: { type: 'string' },
          error: errorSchema,
        },
      },
    },
    refused: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'code', 'message'],
        properties: { index: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;
