import { depositTx, NodeClient, transferTx } from '@v2g/client';
import {
  encodeCbor,
  encodeTx,
  type Genesis,
  type KeyPair,
  keyPairFromSeed,
  sha256,
  type Tx,
  toHex,
  txId,
  utf8,
  walletAddress,
  windowOf,
} from '@v2g/core';
import { followBlocks } from '../blockStream.ts';
import { percentile } from '../percentile.ts';

export interface FixedLoadInput {
  readonly genesis: Genesis;
  readonly leagKeys: readonly KeyPair[];
  readonly apiUrls: readonly string[];
  /** Offered signed transfers per second, spread over every LEAG's API in turn. */
  readonly rate: number;
  readonly seconds: number;
  /** Up to this long after the offered load for the last transactions to commit. */
  readonly drainSec: number;
  /** Called when funding is committed and the offered load starts, and when it ends. */
  readonly onPhase: (phase: 'start' | 'end') => Promise<void>;
}

export interface FixedLoadResult {
  readonly offered: number;
  readonly accepted: number;
  readonly committed: number;
  readonly refused: Record<string, number>;
  /** Committed transactions over the time from the first offer to the last commit. */
  readonly committedPerSec: number;
  readonly latencyMs: { p50: number; p99: number; max: number };
}

const OUTPUTS_PER_DEPOSIT = 64;
const TICK_MS = 100;

/**
 * A fixed offered load of independent signed transfers (pre-signed, so
 * signing is not measured), with commit latency from submission to the
 * block event of LEAG 0. Funding comes first: LEAG deposits, each paying 64
 * coins, offered again while refused for backpressure.
 */
export async function fixedLoad(o: FixedLoadInput): Promise<FixedLoadResult> {
  const clients = o.apiUrls.map((u) => new NodeClient(u));
  const env = { chainId: o.genesis.chainId };
  const wallets = Array.from({ length: 64 }, (_, i) => keyPairFromSeed(sha256(utf8(`scale-wallet-${i}`))));
  const total = Math.ceil(o.rate * o.seconds);
  const committedAt = new Map<string, number>();
  const abort = new AbortController();
  // A busy daemon may refuse or drop the stream: follow again until the run ends.
  const follow = (async () => {
    while (!abort.signal.aborted) {
      await followBlocks(
        o.apiUrls[0]!,
        (e) => {
          const now = performance.now();
          for (const id of e.txIds) committedAt.set(id, now);
        },
        abort.signal,
      ).catch(() => undefined);
      if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  try {
    const window = windowOf((await patiently(() => clients[0]!.head())).height + 1, o.genesis);
    const coins: { txId: Uint8Array; index: number; key: KeyPair }[] = [];
    const deposits: Tx[] = [];
    for (let d = 0; d * OUTPUTS_PER_DEPOSIT < total; d++) {
      const keys = Array.from({ length: OUTPUTS_PER_DEPOSIT }, (_, i) => wallets[(d + i) % wallets.length]!);
      const outputs = keys.map((k) => ({ address: walletAddress(k.publicKey), amount: 1000 }));
      const tx = depositTx(env, o.leagKeys[d % o.leagKeys.length]!, window, 2_000_000 + d, outputs);
      deposits.push(tx);
      keys.forEach((key, index) => {
        coins.push({ txId: txId(tx), index, key });
      });
    }
    await fund(clients, deposits, committedAt);
    const signed = coins.slice(0, total).map((c, i) => {
      const to = walletAddress(wallets[(i + 7) % wallets.length]!.publicKey);
      const tx = transferTx(
        env,
        [{ outpoint: { txId: c.txId, index: c.index }, key: c.key }],
        [{ address: to, amount: 1000 }],
      );
      return { id: toHex(txId(tx)), bytes: encodeTx(tx) };
    });

    await o.onPhase('start');
    const submittedAt = new Map<string, number>();
    const refused: Record<string, number> = {};
    const inflight: Promise<void>[] = [];
    const start = performance.now();
    let next = 0;
    let turn = 0;
    for (let tick = 1; next < signed.length; tick++) {
      const due = Math.min(signed.length, Math.round((o.rate * tick * TICK_MS) / 1000));
      for (; next < due; next++) {
        const t = signed[next]!;
        const url = o.apiUrls[turn++ % o.apiUrls.length]!;
        const sentAt = performance.now();
        inflight.push(
          submit(url, t.bytes).then(
            (code) => {
              if (code === null) submittedAt.set(t.id, sentAt);
              else refused[code] = (refused[code] ?? 0) + 1;
            },
            () => {
              refused['http-error'] = (refused['http-error'] ?? 0) + 1;
            },
          ),
        );
      }
      const wait = start + tick * TICK_MS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inflight);
    await o.onPhase('end');
    const drainUntil = performance.now() + o.drainSec * 1000;
    while (performance.now() < drainUntil && [...submittedAt.keys()].some((id) => !committedAt.has(id)))
      await new Promise((r) => setTimeout(r, 100));

    const latencies: number[] = [];
    let lastCommit = start;
    for (const [id, at] of submittedAt) {
      const c = committedAt.get(id);
      if (c === undefined) continue;
      latencies.push(c - at);
      lastCommit = Math.max(lastCommit, c);
    }
    return {
      offered: signed.length,
      accepted: submittedAt.size,
      committed: latencies.length,
      refused,
      committedPerSec: latencies.length / ((lastCommit - start) / 1000),
      latencyMs: {
        p50: Math.round(percentile(latencies, 50)),
        p99: Math.round(percentile(latencies, 99)),
        max: Math.round(Math.max(0, ...latencies)),
      },
    };
  } finally {
    abort.abort();
    await follow;
  }
}

/** A CPU-starved daemon may not answer at once: up to six tries, 5 s apart. */
async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 6) throw err;
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

/** One transaction as a binary batch of one; null when accepted, else the refusal code. */
async function submit(url: string, bytes: Uint8Array): Promise<string | null> {
  const res = await fetch(`${url}/v1/txs/cbor`, {
    method: 'POST',
    headers: { 'content-type': 'application/cbor' },
    body: encodeCbor([bytes]),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { refused?: { code: string }[]; error?: { code: string } };
  return body.refused?.[0]?.code ?? body.error?.code ?? null;
}

/** Offers the deposits until each is accepted (or known), then waits for all to commit. */
async function fund(clients: NodeClient[], deposits: Tx[], committedAt: Map<string, number>): Promise<void> {
  let pending = deposits;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 120) throw new Error('deposits refused for 60 s');
    const retry: Tx[] = [];
    for (let i = 0; i < pending.length; i += 50) {
      const part = pending.slice(i, i + 50);
      const res = await clients[(i / 50 + attempt) % clients.length]!.submitBatch(part).catch(() => null);
      if (res === null) retry.push(...part);
      res?.results.forEach((r, j) => {
        if (!r.accepted && r.error?.code !== 'duplicate') retry.push(part[j]!);
      });
    }
    pending = retry;
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 500));
  }
  const ids = deposits.map((t) => toHex(txId(t)));
  const deadline = performance.now() + 120_000;
  while (!ids.every((id) => committedAt.has(id))) {
    if (performance.now() > deadline) throw new Error('deposits did not commit within 120 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
