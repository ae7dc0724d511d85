/**
 * Clearing benchmark: the call auction alone (clearWindow) and the whole
 * closing-height step over state (order records read, cleared, written back),
 * for 1,000 / 10,000 / 100,000 orders in one window at one station.
 * Run: node packages/core/bench/clearing.bench.ts  → prints figures, writes bench-results/clearing.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  type Ask,
  type Bid,
  clearStations,
  clearWindow,
  defaultEvReputationParams,
  Keys,
  MemoryStateStore,
  orderRecordCodec,
  StateView,
  sha256,
  tariffCodec,
  uint,
} from '@v2g/core';

const SIZES = [1_000, 10_000, 100_000];
const REPEATS = 5;
const STEPS = 10;
const BOUNDS = { feedInPrice: 80, retailPrice: 300 };

/** A deterministic generator, so every run clears the same book. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s;
  };
}

function book(n: number): { asks: Ask[]; bids: Bid[] } {
  const next = lcg(n);
  const asks: Ask[] = [];
  const bids: Bid[] = [];
  for (let i = 0; i < n; i++) {
    const id = Buffer.from(sha256(Buffer.from(`order-${i}`))).toString('hex');
    const energyWh = 1_000 + (next() % 30_000);
    const reputationPpm = 200_000 + (next() % 800_001);
    if (i % 2 === 0) {
      const minPrice = BOUNDS.feedInPrice + (next() % 150);
      asks.push({ id, energyWh, minPrice, expectedPrice: minPrice + (next() % 80), reputationPpm, seq: i });
    } else {
      bids.push({ id, energyWh, maxPrice: 120 + (next() % 181), reputationPpm, seq: i });
    }
  }
  return { asks, bids };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A state holding n open orders of window 0 at one station, as the order rules store them. */
function stateWith(n: number): MemoryStateStore {
  const store = new MemoryStateStore();
  const view = new StateView(store);
  const leag = new Uint8Array(32).fill(7);
  view.write(tariffCodec, Keys.tariff(0), {
    retailPrice: BOUNDS.retailPrice,
    feedInPrice: BOUNDS.feedInPrice,
    wheelingFee: 0,
    wheeling: [],
  });
  const { asks, bids } = book(n);
  for (const o of [...asks, ...bids]) {
    const id = new Uint8Array(Buffer.from(o.id, 'hex'));
    const sell = 'minPrice' in o;
    view.write(orderRecordCodec, Keys.order(id), {
      side: sell ? 'sell' : 'buy',
      account: new Uint8Array(32).fill(o.seq % 251),
      leag,
      window: 0,
      energyWh: o.energyWh,
      crossMatchedWh: 0,
      gridMatchedWh: 0,
      expectedPrice: sell ? o.expectedPrice : 0,
      minPrice: sell ? o.minPrice : 0,
      maxPrice: sell ? 0 : o.maxPrice,
      address: new Uint8Array(20),
      escrow: sell ? 0 : o.energyWh * o.maxPrice,
      released: 0,
      height: 1,
      seq: o.seq,
      cleared: false,
      matchedWh: 0,
      price: 0,
      meteredWh: null,
    });
    view.write(uint, Keys.windowOrder(0, id), 0);
  }
  store.applySync(view.changes(), view.digest);
  return store;
}

const results = [];
for (const n of SIZES) {
  const b = book(n);
  const times: number[] = [];
  let clearing = clearWindow(b, BOUNDS, STEPS);
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    clearing = clearWindow(b, BOUNDS, STEPS);
    times.push(performance.now() - t0);
  }
  const store = stateWith(n);
  const hookTimes: number[] = [];
  for (let r = 0; r < Math.min(REPEATS, 3); r++) {
    const view = new StateView(store);
    const t0 = performance.now();
    // The book's accounts are not registered (R = 0): R_min 0 keeps every order in the auction.
    clearStations(view, 0, STEPS, { ...defaultEvReputationParams, rMinPpm: 0 });
    hookTimes.push(performance.now() - t0);
  }
  const row = {
    orders: n,
    clearWindowMs: Math.round(median(times) * 100) / 100,
    clearWindowMaxMs: Math.round(Math.max(...times) * 100) / 100,
    closingStepMs: Math.round(median(hookTimes) * 100) / 100,
    price: clearing.price,
    volumeWh: clearing.volumeWh,
    concessionStep: clearing.step,
  };
  results.push(row);
  process.stdout.write(
    `${String(n).padStart(7)} orders: clearWindow ${row.clearWindowMs} ms (max ${row.clearWindowMaxMs}), ` +
      `closing step over state ${row.closingStepMs} ms; price ${row.price}, volume ${row.volumeWh} Wh, step ${row.concessionStep}\n`,
  );
}

const out = new URL('../../../bench-results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(
  new URL('clearing.json', out),
  `${JSON.stringify(
    {
      benchmark: 'clearing',
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      repeats: REPEATS,
      concessionSteps: STEPS,
      results,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`written ${new URL('clearing.json', out).pathname}\n`);
