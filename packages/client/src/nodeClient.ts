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

/** What became of one transaction in a batch (api/submissionResult.ts). */
export interface SubmitResult {
  readonly index: number;
  readonly accepted: boolean;
  readonly id?: string;
  readonly hash?: string;
  readonly error?: { code: string; message: string };
}

/** An accepted single submission; a refused one is thrown as an ApiRequestError with its code. */
export interface Accepted {
  readonly accepted: true;
  readonly id: string;
  readonly hash: string;
}

/** The answer of /v1/txs/batch and /v1/txs/cbor. */
export interface BatchAnswer {
  readonly accepted: number;
  readonly refusedCount: number;
  readonly results: SubmitResult[];
  readonly refused: { index: number; code: string; message: string }[];
}

/** The LEAG did not answer at all: nothing listens at the URL, or the network is in the way. */
export class LeagUnreachableError extends Error {
  readonly url: string;
  constructor(url: string, message: string) {
    super(message);
    this.url = url;
  }
}

/** GET /v1/chain (chainInfoRoute.ts). */
export interface ChainInfo {
  readonly chainId: string;
  readonly genesisHash: string;
  readonly genesisTime: number;
  readonly raKey: string;
  readonly gridOperatorKey: string;
  readonly blockIntervalMs: number;
  readonly windowBlocks: number;
  readonly settlementWindows: number;
  readonly leags: readonly { name: string; publicKey: string; peerId: string }[];
  readonly params: Record<string, unknown>;
}

/** GET /v1/health (healthRoute.ts). */
export interface HealthStatus {
  readonly status: 'ok' | 'unhealthy';
  readonly reasons: readonly { condition: string; message: string; since: number }[];
  readonly height: number;
  readonly peers: number;
  readonly mempool: number;
  readonly syncing: boolean;
  readonly consensus: string;
}

/** A small HTTP client for one LEAG's API. */
export class NodeClient {
  readonly baseUrl: string;
  private chainInfo: Promise<ChainInfo> | undefined;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
  }

  /** fetch(), with a failure to connect named by the URL: `fetch failed` alone does not say which LEAG. */
  private async fetch(path: string, init?: RequestInit): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    try {
      return await fetch(url, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
      throw new LeagUnreachableError(
        this.baseUrl,
        `cannot reach the LEAG API at ${this.baseUrl} (${why}); is the LEAG running, and is --node right?`,
      );
    }
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(path, {
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

  submit(tx: Tx): Promise<Accepted> {
    return this.request('POST', '/v1/txs', { tx: toHex(encodeTx(tx)) });
  }

  submitBatch(txs: readonly Tx[]): Promise<BatchAnswer> {
    return this.request('POST', '/v1/txs/batch', { txs: txs.map((t) => toHex(encodeTx(t))) });
  }

  txStatus(id: string): Promise<{ status: string; height?: number; [k: string]: unknown }> {
    return this.request('GET', `/v1/txs/${id}`);
  }

  /** GET /v1/chain: chain id, window length and the genesis LEAGs; fixed for the chain's life, so asked once. */
  chain(): Promise<ChainInfo> {
    this.chainInfo ??= this.request<ChainInfo>('GET', '/v1/chain');
    return this.chainInfo;
  }

  head(): Promise<{ height: number; hash: string; stateRoot: string }> {
    return this.request('GET', '/v1/head');
  }

  /** The LEAG's health: 200 `ok`, or 503 `unhealthy` with its reasons; both are answers, not errors. */
  async health(): Promise<HealthStatus> {
    const res = await this.fetch('/v1/health');
    if (res.status !== 200 && res.status !== 503) {
      throw new ApiRequestError(res.status, 'http-error', await res.text());
    }
    return (await res.json()) as HealthStatus;
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

  /** A sell-order, buy-order or meter-reading, checked against the LEAG's state before it is pooled. */
  submitMarket(tx: Tx): Promise<Accepted> {
    return this.request('POST', '/v1/market/txs', { tx: toHex(encodeTx(tx)) });
  }

  marketCurrent(): Promise<MarketCurrent> {
    return this.request('GET', '/v1/market/current');
  }

  marketWindow(window: number, page: { limit?: number; after?: string } = {}): Promise<MarketWindow> {
    return this.request('GET', `/v1/market/windows/${window}${query(page)}`);
  }

  marketGrid(): Promise<GridAccountJson> {
    return this.request('GET', '/v1/market/grid');
  }

  marketOrder(id: string): Promise<{ id: string; status: string; [k: string]: unknown }> {
    return this.request('GET', `/v1/market/orders/${id}`);
  }

  /** An account's orders in one status: open (its window has not cleared), cleared (matched), unmatched, or all unsettled. */
  accountOrders(
    account: string,
    status: 'open' | 'cleared' | 'unmatched' | 'unsettled' = 'open',
    limit = 100,
  ): Promise<{ orders: Record<string, unknown>[] }> {
    return this.request('GET', `/v1/market/orders${query({ account, status, limit })}`);
  }

  /** GET /v1/market/windows?from=&to=: results per window and station, at most 100 windows. */
  marketWindows(from: number, to: number): Promise<{ windows: WindowSummary[] }> {
    return this.request('GET', `/v1/market/windows${query({ from, to })}`);
  }

  /** GET /v1/leags/history?from=&to=: every LEAG's reputation, the committee and the leader at each window's close. */
  leagHistory(from: number, to: number): Promise<{ from: number; to: number; windows: LeagWindow[] }> {
    return this.request('GET', `/v1/leags/history${query({ from, to })}`);
  }

  /** An EV's <R, R_ES, R_EB> after each window it traded in settled, oldest first. */
  reputationHistory(account: string): Promise<{
    account: string;
    rMinPpm: number;
    history: { window: number; r: number; es: number; eb: number }[];
  }> {
    return this.request('GET', `/v1/reputation/${account}/history`);
  }

  reputation(page: { limit?: number; after?: string; untrusted?: boolean } = {}): Promise<ReputationPage> {
    return this.request('GET', `/v1/reputation${query(page)}`);
  }
}

export interface TariffJson {
  readonly retailPrice: number;
  readonly feedInPrice: number;
}

export interface MarketCurrent {
  readonly height: number;
  readonly window: number;
  readonly closesAt: number;
  readonly blocksLeft: number;
  readonly tariff: TariffJson | null;
  readonly windowBlocks: number;
  readonly settlementWindows: number;
  readonly rMinPpm: number;
}

/** GET /v1/market/windows/:w; records are the core codecs' JSON (see marketRoutes.ts). */
export interface MarketWindow {
  readonly window: number;
  readonly status: 'future' | 'open' | 'cleared' | 'settled';
  readonly closesAt: number;
  readonly settlesAt: number;
  readonly tariff: TariffJson | null;
  readonly stations: StationResultJson[];
  /** Orders (with matchedWh, price, released) until settlement, then settlement records (with amount). */
  readonly orders: ({ id: string } & Record<string, unknown>)[];
  readonly next: string | null;
}

/** One window of GET /v1/leags/history: the LEAGs as the window's closing block left them. */
export interface LeagWindow {
  readonly window: number;
  readonly height: number;
  readonly timestamp: number;
  readonly leader: string;
  readonly round: number;
  readonly committee: readonly { readonly publicKey: string; readonly weightPpm: number }[];
  readonly leags: readonly {
    readonly publicKey: string;
    readonly name: string;
    readonly reputationPpm: number;
  }[];
}

/** One window of GET /v1/market/windows. */
export interface WindowSummary {
  readonly window: number;
  readonly status: 'future' | 'open' | 'cleared' | 'settled';
  readonly closesAt: number;
  readonly tariff: TariffJson | null;
  readonly stations: StationResultJson[];
}

export interface StationResultJson {
  readonly leag: string;
  readonly price: number | null;
  readonly supplyWh: number;
  readonly demandWh: number;
  /** EV-to-EV energy matched at the clearing price. */
  readonly volumeWh: number;
  /** EV-to-EV across stations (decision 0015): sold out of and bought into this station, and the fees. */
  readonly crossOutWh: number;
  readonly crossInWh: number;
  readonly wheelingFees: number;
  readonly crossOutDeliveredWh: number;
  readonly crossInDeliveredWh: number;
  readonly wheelingPaid: number;
  /** EV-to-grid (bought by the grid at feed-in) and grid-to-EV (supplied at retail); decision 0010. */
  readonly toGridWh: number;
  readonly fromGridWh: number;
  /** Demand left unserved on chain (bids below retail). */
  readonly unmetWh: number;
  readonly sellOrders: number;
  readonly buyOrders: number;
  readonly untrustedOrders: number;
  readonly settled: boolean;
  readonly deliveredWh: number;
  readonly shortfallWh: number;
  readonly toGridDeliveredWh: number;
  readonly fromGridDeliveredWh: number;
  readonly paid: number;
  readonly refunded: number;
  readonly released: number;
  readonly gridReserved: number;
  readonly gridPaid: number;
  readonly gridReceived: number;
}

/** GET /v1/market/grid. */
export interface GridAccountJson {
  readonly operator: string;
  readonly balance: number;
  readonly reserved: number;
}

export interface ReputationRow {
  readonly account: string;
  readonly leag: string;
  readonly r: number;
  readonly es: number;
  readonly eb: number;
  /** Either role below R_min. */
  readonly untrusted: boolean;
  readonly untrustedAsSeller: boolean;
  readonly untrustedAsBuyer: boolean;
  readonly sales: { succeeded: number; failed: number };
  readonly purchases: { succeeded: number; failed: number };
}

export interface ReputationPage {
  readonly rMinPpm: number;
  readonly total: number;
  readonly untrusted: number;
  readonly accounts: ReputationRow[];
  readonly next: string | null;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined) as [
    string,
    string | number | boolean,
  ][];
  return entries.length === 0
    ? ''
    : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)]))}`;
}
