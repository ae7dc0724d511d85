/* biome-ignore-all lint/suspicious/noConsole: the load generator reports on stdout */
/**
 * The benchmark's load generator, a process of its own: it funds wallets with
 * LEAG deposits, pre-signs independent transfers, then offers them to the
 * LEAGs' HTTP APIs at rising rates, measuring commits from a block event
 * stream. It prints one JSON line with the results.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { depositTx, NodeClient, transferTx } from '@v2g/client';
import {
  encodeCbor,
  encodeTx,
  genesisFromJson,
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
import { readKeyFile } from '@v2g/node';
import { followBlocks } from '../blockStream.ts';
import { percentile } from '../percentile.ts';
import { type DaemonSample, type SteadyFigures, sampleDaemon, steadyFigures } from './daemonSample.ts';

export interface LoadgenInput {
  readonly dir: string;
  readonly httpPorts: readonly number[];
  readonly rates: readonly number[];
  readonly stepSec: number;
  readonly wallets: number;
  /** The daemons' processes, read for CPU and metrics over the steady part of each step. */
  readonly daemons: readonly { pid: number; baseUrl: string }[];
  /** Seconds at the start of each step left out of the steady figures. */
  readonly warmupSec: number;
}

export interface StepResult {
  readonly offered: number;
  readonly submitted: number;
  readonly refused: Record<string, number>;
  readonly committed: number;
  readonly committedPerSec: number;
  readonly latencyMs: { p50: number; p99: number; samples: number };
  /** Per LEAG, from `warmupSec` into the step to the end of its offered load (no start-up, no drain). */
  readonly steady: SteadyFigures[];
}

const OUTPUTS_PER_DEPOSIT = 64;

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as LoadgenInput;
  const genesis = genesisFromJson(JSON.parse(await readFile(join(input.dir, 'genesis.json'), 'utf8')));
  const leagKeys: KeyPair[] = [];
  for (let i = 0; i < input.httpPorts.length; i++)
    leagKeys.push(await readKeyFile(join(input.dir, `leag-${i}.key`)));
  const clients = input.httpPorts.map((p) => new NodeClient(`http://127.0.0.1:${p}`));
  const env = { chainId: genesis.chainId };
  const wallets = Array.from({ length: input.wallets }, (_, i) =>
    keyPairFromSeed(sha256(utf8(`bench-wallet-${i}`))),
  );
  const needed = input.rates.reduce((s, r) => s + r * input.stepSec, 0) * 1.1;
  const deposits = Math.ceil(needed / OUTPUTS_PER_DEPOSIT);

  const committedAt = new Map<string, number>();
  const abort = new AbortController();
  let blockWaiters: (() => void)[] = [];
  const follow = followBlocks(
    clients[0]!.baseUrl,
    (e) => {
      const now = performance.now();
      for (const id of e.txIds) committedAt.set(id, now);
      const waiters = blockWaiters;
      blockWaiters = [];
      for (const w of waiters) w();
    },
    abort.signal,
  ).catch(() => undefined);

  // Fund: each deposit credits 64 coins; every coin later pays one independent transfer.
  const head = await clients[0]!.head();
  const window = windowOf(head.height + 1, genesis);
  const coins: { txId: Uint8Array; index: number; key: KeyPair }[] = [];
  const depositTxs: Tx[] = [];
  for (let d = 0; d < deposits; d++) {
    const outputs = Array.from({ length: OUTPUTS_PER_DEPOSIT }, (_, i) => ({
      address: walletAddress(wallets[(d * OUTPUTS_PER_DEPOSIT + i) % wallets.length]!.publicKey),
      amount: 1000,
    }));
    const tx = depositTx(env, leagKeys[d % leagKeys.length]!, window, 1_000_000 + d, outputs);
    depositTxs.push(tx);
    const id = txId(tx);
    outputs.forEach((_, i) => {
      coins.push({ txId: id, index: i, key: wallets[(d * OUTPUTS_PER_DEPOSIT + i) % wallets.length]! });
    });
  }
  // Funding respects backpressure: refused deposits ('overloaded', 'mempool-full') are offered again.
  let unfunded = depositTxs;
  for (let attempt = 0; unfunded.length > 0 && attempt < 600; attempt++) {
    const retry: Tx[] = [];
    for (let i = 0; i < unfunded.length; i += 100) {
      const part = unfunded.slice(i, i + 100);
      const res = await clients[(i / 100) % clients.length]!.submitBatch(part);
      res.results.forEach((r, j) => {
        if (!r.accepted && r.error?.code !== 'duplicate') retry.push(part[j]!);
      });
    }
    unfunded = retry;
    if (unfunded.length > 0) await new Promise((r) => setTimeout(r, 500));
  }
  const lastIds = depositTxs.map((t) => toHex(txId(t)));
  const fundDeadline = Date.now() + 300_000;
  while (!lastIds.every((id) => committedAt.has(id))) {
    if (Date.now() > fundDeadline) throw new Error('deposits did not commit within 300 s');
    await new Promise((r) => setTimeout(r, 100));
  }

  // Pre-sign every transfer so signing is not part of what is measured.
  const signed = coins.map((c, i) => {
    const tx = transferTx(
      env,
      [{ outpoint: { txId: c.txId, index: c.index }, key: c.key }],
      [{ address: walletAddress(wallets[(i + 1) % wallets.length]!.publicKey), amount: 1000 }],
    );
    return { id: toHex(txId(tx)), bytes: encodeTx(tx) };
  });

  let next = 0;
  const steps: StepResult[] = [];
  for (const rate of input.rates) {
    const submittedAt = new Map<string, number>();
    const refused: Record<string, number> = {};
    const start = performance.now();
    const end = start + input.stepSec * 1000;
    const tick = 50;
    let due = 0;
    const inflight: Promise<void>[] = [];
    // Samples are taken just after a block commits on LEAG 0 (the LEAGs commit a block together), so
    // the committed counters do not cut a block in two at either end of the steady interval.
    const nextBlock = (maxMs: number) =>
      new Promise<void>((r) => {
        blockWaiters.push(r);
        setTimeout(r, maxMs);
      });
    const sampleAll = () => Promise.all(input.daemons.map((d) => sampleDaemon(d.pid, d.baseUrl)));
    const steadyFrom: Promise<DaemonSample[]> = new Promise((r) => setTimeout(r, input.warmupSec * 1000))
      .then(() => nextBlock(3000))
      .then(sampleAll);
    steadyFrom.catch(() => undefined);
    while (performance.now() < end) {
      const t = performance.now();
      due += (rate * tick) / 1000;
      const n = Math.floor(due);
      due -= n;
      const batch = signed.slice(next, next + n);
      next += batch.length;
      const per = Math.ceil(batch.length / clients.length);
      clients.forEach((c, ci) => {
        const part = batch.slice(ci * per, (ci + 1) * per);
        if (part.length === 0) return;
        const sentAt = performance.now();
        inflight.push(
          fetch(`${c.baseUrl}/v1/txs/cbor`, {
            method: 'POST',
            headers: { 'content-type': 'application/cbor' },
            body: encodeCbor(part.map((p) => p.bytes)),
          })
            .then((res) => res.json() as Promise<{ refused: { index: number; code: string }[] }>)
            .then((res) => {
              const bad = new Set(res.refused.map((r) => r.index));
              for (const r of res.refused) refused[r.code] = (refused[r.code] ?? 0) + 1;
              part.forEach((p, i) => {
                if (!bad.has(i)) submittedAt.set(p.id, sentAt);
              });
            })
            .catch(() => {
              refused['http-error'] = (refused['http-error'] ?? 0) + part.length;
            }),
        );
      });
      const wait = tick - (performance.now() - t);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    // The end is read only once the start is in: a slow /metrics answer must not swap them.
    const steadyStart = await steadyFrom;
    const steadyTo = await nextBlock(3000).then(sampleAll);
    await Promise.all(inflight);
    // Drain: give what was accepted up to 5 s to commit.
    const drainUntil = performance.now() + 5000;
    while (performance.now() < drainUntil && [...submittedAt.keys()].some((id) => !committedAt.has(id))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const latencies: number[] = [];
    let committedInStep = 0;
    let lastCommit = start;
    for (const [id, at] of submittedAt) {
      const c = committedAt.get(id);
      if (c === undefined) continue;
      latencies.push(c - at);
      committedInStep++;
      if (c > lastCommit) lastCommit = c;
    }
    steps.push({
      offered: rate,
      submitted: submittedAt.size,
      refused,
      committed: committedInStep,
      committedPerSec: committedInStep / ((lastCommit - start) / 1000),
      latencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        samples: latencies.length,
      },
      steady: steadyStart.map((a, i) => steadyFigures(a, steadyTo[i]!)),
    });
    console.error(JSON.stringify(steps[steps.length - 1]));
  }
  abort.abort();
  await follow;
  console.log(JSON.stringify({ deposits, coins: coins.length, steps }));
}

await main();
