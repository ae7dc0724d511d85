import type { NodeClient, ReputationRow, StationResultJson, WindowSummary } from '@v2g/client';

/**
 * A run's history per market window, read back from one LEAG's API after
 * (or during) the run: what a researcher plots. Units are the API's: energy
 * in Wh, prices and amounts in micro-units, reputation and shares in ppm.
 */
export interface WindowRow {
  readonly window: number;
  readonly status: string;
  readonly closesAt: number;
  readonly retailPrice: number | null;
  readonly feedInPrice: number | null;
  /** The block that closed the window: who proposed it, and in which round it was decided. */
  readonly leader: string | null;
  readonly round: number | null;
  /** Signatures in the window's closing block's commit certificate. */
  readonly commitSignatures: number | null;
  readonly supplyWh: number;
  readonly demandWh: number;
  readonly evToEvWh: number;
  readonly crossStationWh: number;
  readonly evToGridWh: number;
  readonly gridToEvWh: number;
  readonly unmetWh: number;
  /** EV-to-grid as a share of all energy EVs sold, ppm. */
  readonly gridSharePpm: number;
  readonly deliveredWh: number;
  readonly shortfallWh: number;
  readonly paid: number;
  readonly refunded: number;
  readonly untrustedOrders: number;
}

export interface StationRow {
  readonly window: number;
  readonly station: string;
  readonly price: number | null;
  readonly result: StationResultJson;
}

export interface ReputationTrack {
  readonly account: string;
  readonly leag: string;
  readonly untrustedNow: boolean;
  readonly points: readonly { window: number; r: number; es: number; eb: number }[];
}

/** One LEAG at one window's close: its reputation, and its committee seat and vote weight then. */
export interface LeagPoint {
  readonly window: number;
  readonly leag: string;
  readonly reputationPpm: number;
  readonly member: boolean;
  readonly weightPpm: number | null;
  /** Whether it proposed the window's closing block. */
  readonly leader: boolean;
}

export interface RunHistory {
  readonly chainId: string;
  readonly windowBlocks: number;
  readonly rMinPpm: number;
  /** R_min for LEAGs: below it a LEAG leaves the committee (genesis consensus parameters). */
  readonly leagRMinPpm: number | null;
  readonly leags: readonly { name: string; publicKey: string; reputationPpm: number | null }[];
  readonly windows: readonly WindowRow[];
  readonly stations: readonly StationRow[];
  readonly reputations: readonly ReputationTrack[];
  /** Every LEAG at the close of every window this LEAG recorded (GET /v1/leags/history). */
  readonly leagPoints: readonly LeagPoint[];
}

function leagRMin(params: Record<string, unknown>): number | null {
  const value = (params.consensus as { rMinPpm?: unknown } | undefined)?.rMinPpm;
  return typeof value === 'number' ? value : null;
}

/** Requests at a time against the LEAG: well under its per-client connection limit (64 by default). */
const PARALLEL_REQUESTS = 8;

/** `f` over `items` with at most `limit` calls in flight; results in the order of `items`. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const sum = (list: readonly StationResultJson[], f: (s: StationResultJson) => number) =>
  list.reduce((s, x) => s + f(x), 0);

/** Reads windows 0..the last cleared one, the closing block of each, every EV's reputation history and every LEAG's per window. */
export async function collectHistory(c: NodeClient): Promise<RunHistory> {
  const chain = await c.chain();
  const names = new Map(chain.leags.map((l) => [l.publicKey, l.name]));
  const nameOf = (key: string) => names.get(key) ?? key.slice(0, 16);
  const current = await c.marketCurrent();
  const summaries: WindowSummary[] = [];
  for (let from = 0; from < current.window; from += 100) {
    const to = Math.min(current.window - 1, from + 99);
    summaries.push(...(await c.marketWindows(from, to)).windows);
  }
  const head = (await c.head()).height;
  const windows: WindowRow[] = [];
  const stations: StationRow[] = [];
  for (const w of summaries) {
    const block =
      w.closesAt <= head
        ? await c
            .request<{
              block: { header: { proposer: string; round: number } };
              certificate: { signatures: unknown[] } | null;
            }>('GET', `/v1/blocks/${w.closesAt}`)
            .catch(() => null)
        : null;
    const s = w.stations;
    const sold = sum(s, (x) => x.volumeWh + x.crossOutWh + x.toGridWh);
    windows.push({
      window: w.window,
      status: w.status,
      closesAt: w.closesAt,
      retailPrice: w.tariff?.retailPrice ?? null,
      feedInPrice: w.tariff?.feedInPrice ?? null,
      leader: block ? nameOf(block.block.header.proposer) : null,
      round: block ? block.block.header.round : null,
      commitSignatures: block?.certificate ? block.certificate.signatures.length : null,
      supplyWh: sum(s, (x) => x.supplyWh),
      demandWh: sum(s, (x) => x.demandWh),
      evToEvWh: sum(s, (x) => x.volumeWh),
      crossStationWh: sum(s, (x) => x.crossOutWh),
      evToGridWh: sum(s, (x) => x.toGridWh),
      gridToEvWh: sum(s, (x) => x.fromGridWh),
      unmetWh: sum(s, (x) => x.unmetWh),
      gridSharePpm: sold === 0 ? 0 : Math.round((sum(s, (x) => x.toGridWh) * 1_000_000) / sold),
      deliveredWh: sum(s, (x) => x.deliveredWh),
      shortfallWh: sum(s, (x) => x.shortfallWh),
      paid: sum(s, (x) => x.paid),
      refunded: sum(s, (x) => x.refunded),
      untrustedOrders: sum(s, (x) => x.untrustedOrders),
    });
    for (const r of s)
      stations.push({ window: w.window, station: nameOf(r.leag), price: r.price, result: r });
  }
  const accounts: ReputationRow[] = [];
  for (let after: string | null | undefined; after !== null; ) {
    const page = await c.reputation({ limit: 1000, ...(after ? { after } : {}) });
    accounts.push(...page.accounts);
    after = page.next;
  }
  const reputations = await mapLimited(
    accounts,
    PARALLEL_REQUESTS,
    async (a): Promise<ReputationTrack> => ({
      account: a.account,
      leag: nameOf(a.leag),
      untrustedNow: a.untrusted,
      points: (await c.reputationHistory(a.account)).history,
    }),
  );
  const leags = await mapLimited(chain.leags, PARALLEL_REQUESTS, async (l) => ({
    ...l,
    reputationPpm: await c.account(l.publicKey).then(
      (a) => Number(a.account.reputationPpm),
      () => null as number | null,
    ),
  }));
  const leagPoints: LeagPoint[] = [];
  for (let from = 0; from < current.window; from += 100) {
    const to = Math.min(current.window - 1, from + 99);
    for (const w of (await c.leagHistory(from, to)).windows) {
      const weights = new Map(w.committee.map((m) => [m.publicKey, m.weightPpm]));
      for (const l of w.leags) {
        leagPoints.push({
          window: w.window,
          leag: l.name,
          reputationPpm: l.reputationPpm,
          member: weights.has(l.publicKey),
          weightPpm: weights.get(l.publicKey) ?? null,
          leader: l.publicKey === w.leader,
        });
      }
    }
  }
  return {
    chainId: chain.chainId,
    windowBlocks: chain.windowBlocks,
    rMinPpm: current.rMinPpm,
    leagRMinPpm: leagRMin(chain.params),
    leags,
    windows,
    stations,
    reputations,
    leagPoints,
  };
}
