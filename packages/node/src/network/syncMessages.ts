import { DecodeError, decodeCbor, encodeCbor } from '@v2g/core';

/** Heights `from..to`, both inclusive. Wire form: canonical CBOR `[from, to]`. */
export interface SyncRequest {
  readonly from: number;
  readonly to: number;
}

/**
 * Wire form: `[0, [block, …]]` or `[1, reason]`. The blocks are the daemon's
 * encodings (block with its certificate) in height order starting at `from`;
 * the list may stop short of `to` (size budget, or the server's head), and is
 * empty when the server does not have `from`.
 */
export type SyncResponse =
  | { readonly status: 'ok'; readonly blocks: readonly Uint8Array[] }
  | { readonly status: 'error'; readonly reason: string };

export const MAX_SYNC_REQUEST_BYTES = 64;
const MAX_REASON_LENGTH = 128;

export function encodeSyncRequest(request: SyncRequest): Uint8Array {
  return encodeCbor([request.from, request.to]);
}

export function decodeSyncRequest(bytes: Uint8Array): SyncRequest {
  const value = decodeCbor(bytes, MAX_SYNC_REQUEST_BYTES);
  if (!Array.isArray(value) || value.length !== 2) throw invalid('$', 'expected [from, to]');
  const [from, to] = value as unknown[];
  if (!isHeight(from)) throw invalid('$[0]', 'expected uint');
  if (!isHeight(to)) throw invalid('$[1]', 'expected uint');
  if (from > to) throw invalid('$', 'from > to');
  return { from, to };
}

export function encodeSyncResponse(response: SyncResponse): Uint8Array {
  return response.status === 'ok' ? encodeCbor([0, response.blocks]) : encodeCbor([1, response.reason]);
}

export function decodeSyncResponse(bytes: Uint8Array, maxBytes: number): SyncResponse {
  const value = decodeCbor(bytes, maxBytes);
  if (!Array.isArray(value) || value.length !== 2) throw invalid('$', 'expected [status, body]');
  const [status, body] = value as unknown[];
  if (status === 1) {
    if (typeof body !== 'string' || body.length > MAX_REASON_LENGTH) throw invalid('$[1]', 'expected reason');
    return { status: 'error', reason: body };
  }
  if (status !== 0) throw invalid('$[0]', 'unknown status');
  if (!Array.isArray(body)) throw invalid('$[1]', 'expected a list of blocks');
  for (const block of body)
    if (!(block instanceof Uint8Array) || block.length === 0) throw invalid('$[1]', 'expected byte strings');
  return { status: 'ok', blocks: body as Uint8Array[] };
}

function isHeight(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function invalid(path: string, reason: string): DecodeError {
  return new DecodeError({ code: 'invalid-field', path, reason });
}
