import { encodeTx, type Tx, toHex } from '@v2g/core';

export class ApiRequestError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

export interface SubmitResult {
  readonly accepted: boolean;
  readonly id?: string;
  readonly hash?: string;
  readonly error?: { code: string; message: string };
}

/** A small HTTP client for one LEAG's API. */
export class NodeClient {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text.length > 0 ? (JSON.parse(text) as unknown) : {};
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } }).error;
      throw new ApiRequestError(res.status, err?.code ?? 'http-error', err?.message ?? text);
    }
    return json as T;
  }

  submit(tx: Tx): Promise<{ id: string; hash: string }> {
    return this.request('POST', '/v1/txs', { tx: toHex(encodeTx(tx)) });
  }

  submitBatch(txs: readonly Tx[]): Promise<{ accepted: number; results: SubmitResult[] }> {
    return this.request('POST', '/v1/txs/batch', { txs: txs.map((t) => toHex(encodeTx(t))) });
  }

  txStatus(id: string): Promise<{ status: string; height?: number; [k: string]: unknown }> {
    return this.request('GET', `/v1/txs/${id}`);
  }

  head(): Promise<{ height: number; hash: string; stateRoot: string }> {
    return this.request('GET', '/v1/head');
  }

  health(): Promise<{ status: string; height: number; peers: number; mempool: number }> {
    return this.request('GET', '/v1/health');
  }

  account(key: string): Promise<{ role: string; account: Record<string, unknown> }> {
    return this.request('GET', `/v1/accounts/${key}`);
  }

  balance(
    address: string,
  ): Promise<{ balance: number; utxos: { txId: string; index: number; amount: number }[] }> {
    return this.request('GET', `/v1/addresses/${address}`);
  }

  committee(): Promise<{ members: { publicKey: string; name: string; reputationPpm: number }[] }> {
    return this.request('GET', '/v1/committee');
  }
}
