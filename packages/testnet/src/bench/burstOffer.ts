import { encodeTx } from '@v2g/core';
import { seededRandom } from '../marketDay/dayProfile.ts';
import { BACKPRESSURE, postBatch } from './batchSubmit.ts';
import type { BurstOrder } from './burstOrders.ts';

/**
 * How long an EV waits before offering again an order refused by backpressure
 * ("retry shortly"): 500 ms, doubling per refusal up to 4 s, with ±25 % jitter
 * so that refused EVs do not come back in lockstep.
 */
const RETRY_MS = 500;
const RETRY_MAX_MS = 4000;
const TICK_MS = 50;

export interface Offered {
  /** Accepted orders, with the time of their first offer (what the EV's latency counts from). */
  readonly firstOfferAt: Map<string, number>;
  /** Every refused offer, by code: an order refused twice counts twice. */
  readonly refusedOffers: Record<string, number>;
  /** Orders never accepted, by the code of their last refusal. */
  readonly neverAccepted: Record<string, number>;
  /** Orders accepted after at least one refusal. */
  readonly acceptedOnRetry: number;
}

const jitter = seededRandom(14);
const backoff = (tries: number) =>
  Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** (tries - 1)) * (0.75 + 0.5 * jitter());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bump = (m: Record<string, number>, code: string) => {
  m[code] = (m[code] ?? 0) + 1;
};

/**
 * Offers the orders evenly over `seconds`, every 50 ms a slice, each order to
 * its own station as one binary batch per station. An order refused by
 * backpressure (`overloaded`, `mempool-full`) is offered again after a
 * backoff, as a client told to retry would, until `closed()` says its window
 * has closed.
 */
export async function offerOrders(
  orders: readonly BurstOrder[],
  urls: readonly string[],
  seconds: number,
  closed: () => boolean,
): Promise<Offered> {
  const firstOfferAt = new Map<string, number>();
  const refusedOffers: Record<string, number> = {};
  const neverAccepted: Record<string, number> = {};
  let acceptedOnRetry = 0;
  const items = orders.map((o) => ({ ...o, bytes: encodeTx(o.tx), firstAt: 0, tries: 0, lastCode: '' }));
  type Item = (typeof items)[number];
  const retries: { due: number; item: Item }[] = [];
  const ticks = Math.round((seconds * 1000) / TICK_MS);
  const start = performance.now();
  const inflight = new Set<Promise<void>>();
  const send = (batch: Item[]) => {
    const now = performance.now();
    urls.forEach((url, leag) => {
      const part = batch.filter((x) => x.leag === leag);
      if (part.length === 0) return;
      for (const p of part) {
        if (p.tries++ === 0) p.firstAt = now;
      }
      const done = postBatch(
        url,
        part.map((p) => p.bytes),
      ).then((refused) => {
        const bad = new Map(refused.map((r) => [r.index, r.code]));
        part.forEach((p, i) => {
          const code = bad.get(i);
          if (code === undefined) {
            firstOfferAt.set(p.id, p.firstAt);
            if (p.tries > 1) acceptedOnRetry++;
            return;
          }
          bump(refusedOffers, code);
          p.lastCode = code;
          if (BACKPRESSURE.has(code)) retries.push({ due: performance.now() + backoff(p.tries), item: p });
          else bump(neverAccepted, code);
        });
      });
      inflight.add(done);
      void done.finally(() => inflight.delete(done));
    });
  };
  for (let t = 0; ; t++) {
    if (closed()) break;
    const fresh =
      t < ticks
        ? items.slice(Math.floor((t * items.length) / ticks), Math.floor(((t + 1) * items.length) / ticks))
        : [];
    const now = performance.now();
    const due = retries.filter((r) => r.due <= now);
    retries.splice(0, retries.length, ...retries.filter((r) => r.due > now));
    const batch = [...fresh, ...due.map((r) => r.item)];
    if (batch.length > 0) send(batch);
    if (t >= ticks && retries.length === 0 && inflight.size === 0) break;
    const wait = start + (t + 1) * TICK_MS - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inflight);
  // Whatever still waits for a retry when the window closed was never accepted.
  for (const r of retries) bump(neverAccepted, r.item.lastCode);
  return { firstOfferAt, refusedOffers, neverAccepted, acceptedOnRetry };
}

/** Why accepted orders missed their window, as each station's API tells (at most 300 asked per station). */
export async function whyMissed(
  missed: readonly BurstOrder[],
  urls: readonly string[],
): Promise<Record<string, number>> {
  const codes: Record<string, number> = {};
  await Promise.all(
    urls.map(async (url, leag) => {
      for (const order of missed.filter((m) => m.leag === leag).slice(0, 300)) {
        const res = await fetch(`${url}/v1/txs/${order.id}`).catch(() => null);
        const body = res ? ((await res.json().catch(() => ({}))) as { status?: string; code?: string }) : {};
        bump(codes, body.status === 'dropped' ? (body.code ?? 'dropped') : (body.status ?? 'unknown'));
      }
    }),
  );
  return codes;
}
