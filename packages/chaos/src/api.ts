/** A LEAG's HTTP API as the harness sees it: every call bounded in time, every failure a value. */
export type ApiResult<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly code: string };

const TIMEOUT_MS = 3000;

/** How often a read refused with 429 is tried again (after the LEAG's Retry-After) before it counts as failed. */
const READ_RETRIES_WHEN_LIMITED = 8;

/**
 * One call. A GET refused with 429 `rate-limited` (the LEAG's per-client
 * limit: the auditor reads thousands of blocks from one address) is retried
 * after the Retry-After the LEAG names: a refusal to go faster is not a
 * missing block or an unknown transaction. Writes are never retried.
 */
export async function api<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  for (let attempt = 0; ; attempt++) {
    const { result, retryAfterMs } = await once<T>(base, method, path, body);
    if (result.status !== 429 || method !== 'GET' || attempt >= READ_RETRIES_WHEN_LIMITED) return result;
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
  }
}

async function once<T>(
  base: string,
  method: string,
  path: string,
  body: unknown,
): Promise<{ result: ApiResult<T>; retryAfterMs: number }> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    const json = text.length > 0 ? (JSON.parse(text) as unknown) : {};
    const seconds = Number(res.headers.get('retry-after'));
    const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 10) * 1000 : 1000;
    if (res.ok) return { result: { ok: true, status: res.status, body: json as T }, retryAfterMs };
    const code = (json as { error?: { code?: string } }).error?.code ?? `http-${res.status}`;
    return { result: { ok: false, status: res.status, code }, retryAfterMs };
  } catch (err) {
    // status 0: no answer (down, refused, timed out); the request may or may not have arrived.
    return {
      result: { ok: false, status: 0, code: err instanceof Error ? err.name : 'error' },
      retryAfterMs: 0,
    };
  }
}

export async function get<T>(base: string, path: string): Promise<T | undefined> {
  const r = await api<T>(base, 'GET', path);
  return r.ok ? r.body : undefined;
}

export interface Head {
  readonly height: number;
  readonly hash: string;
}

export interface CertificateJson {
  readonly height: number;
  readonly round: number;
  readonly blockHash: string;
  readonly signatures: readonly { readonly voter: string; readonly signature: string }[];
}

export interface BlockJson {
  readonly hash: string;
  readonly block: {
    readonly header: { readonly height: number; readonly proposer: string; readonly round: number };
    readonly txs: readonly unknown[];
    readonly lastCommit: CertificateJson | null;
  };
  readonly certificate: CertificateJson | null;
}

export interface CommitteeJson {
  readonly height: number;
  readonly members: readonly { readonly publicKey: string; readonly reputationPpm: number }[];
}
