/** A LEAG's HTTP API as the harness sees it: every call bounded in time, every failure a value. */
export type ApiResult<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly code: string };

const TIMEOUT_MS = 3000;

export async function api<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    const json = text.length > 0 ? (JSON.parse(text) as unknown) : {};
    if (res.ok) return { ok: true, status: res.status, body: json as T };
    const code = (json as { error?: { code?: string } }).error?.code ?? `http-${res.status}`;
    return { ok: false, status: res.status, code };
  } catch (err) {
    // status 0: no answer (down, refused, timed out); the request may or may not have arrived.
    return { ok: false, status: 0, code: err instanceof Error ? err.name : 'error' };
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
