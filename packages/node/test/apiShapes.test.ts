import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buyOrderTx, depositTx, registerEvTx, sellOrderTx, tariffTx, transferTx } from '@v2g/client';
import { encodeTx, generateKeyPair, type Tx, toHex, txCodec, txId, walletAddress } from '@v2g/core';
import { encodeTxBatch } from '../src/network/txBatch.ts';
import { type MarketFixture, startMarketApi } from './marketFixture.ts';

/**
 * Issue 11: submissions answered in three shapes, `cleared: true` on orders
 * with nothing matched, and "open orders" that listed cleared ones.
 */
let f: MarketFixture;
const seller = generateKeyPair();
const buyer = generateKeyPair();
const wallet = generateKeyPair();
let deposit: Tx;
let spare: Tx;

before(async () => {
  f = await startMarketApi();
  for (let w = 0; w < 10; w++) f.pool(tariffTx(f.env, f.grid, w, 300, 100));
  f.pool(registerEvTx(f.env, f.ra, seller, f.leag.publicKey));
  f.pool(registerEvTx(f.env, f.ra, buyer, f.leag.publicKey));
  deposit = depositTx(f.env, f.leag, 0, 1, [{ address: walletAddress(wallet.publicKey), amount: 5_000_000 }]);
  spare = depositTx(f.env, f.leag, 0, 2, [
    { address: walletAddress(wallet.publicKey), amount: 1000 },
    { address: walletAddress(wallet.publicKey), amount: 1000 },
  ]);
  f.pool(deposit);
  f.pool(spare);
  await f.nextBlock();
});

after(async () => {
  await f?.close();
});

async function post(url: string, payload: unknown, contentType = 'application/json') {
  const res = await f.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': contentType },
    payload: payload as string,
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

const hex = (tx: Tx) => toHex(encodeTx(tx));
/** Spends one of the spare deposit's two outputs. */
const pay = (index: number) =>
  transferTx(
    f.env,
    [{ outpoint: { txId: txId(spare), index }, key: wallet }],
    [{ address: walletAddress(generateKeyPair().publicKey), amount: 1000 }],
  );

test('every endpoint that takes one transaction answers an accepted one with the same result', async () => {
  const order = (w: number) =>
    sellOrderTx(f.env, seller, {
      leag: f.leag.publicKey,
      window: w,
      energyWh: 100,
      expectedPrice: 250,
      minPrice: 200,
      payout: walletAddress(generateKeyPair().publicKey),
    });
  const fifth = order(5);
  const answers = [
    await post('/v1/txs', { tx: hex(order(3)) }),
    await post('/v1/txs/json', txCodec.toJson(order(4))),
    await post('/v1/market/txs', { tx: hex(fifth) }),
  ];
  for (const a of answers) {
    assert.equal(a.status, 202);
    assert.deepEqual(Object.keys(a.body).sort(), ['accepted', 'hash', 'id']);
    assert.equal(a.body.accepted, true);
  }
  const refused = await post('/v1/market/txs', { tx: hex(fifth) });
  assert.equal(refused.status, 400);
  assert.deepEqual(Object.keys(refused.body), ['error']);
});

test('the JSON and the CBOR batch answer alike: one indexed result per transaction, counts, and the refused', async () => {
  const json = await post('/v1/txs/batch', { txs: [hex(pay(0)), '00'] });
  const cbor = await post(
    '/v1/txs/cbor',
    Buffer.from(encodeTxBatch([encodeTx(pay(1)), new Uint8Array([0])])),
    'application/cbor',
  );
  for (const { status, body } of [json, cbor]) {
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ['accepted', 'refused', 'refusedCount', 'results']);
    assert.equal(body.accepted, 1);
    assert.equal(body.refusedCount, 1);
    const [ok, bad] = body.results as Record<string, unknown>[];
    assert.equal(ok?.index, 0);
    assert.equal(ok?.accepted, true);
    assert.match(String(ok?.id), /^[0-9a-f]{64}$/);
    assert.deepEqual(
      {
        index: bad?.index,
        accepted: bad?.accepted,
        code: (bad?.error as { code?: string } | undefined)?.code,
      },
      { index: 1, accepted: false, code: 'malformed' },
    );
    assert.deepEqual(
      (body.refused as { index: number; code: string }[]).map((r) => [r.index, r.code]),
      [[1, 'malformed']],
    );
  }
});

test('an order is cleared only when energy matched it; open orders are only those whose window is open', async () => {
  // Window 1 (heights 3..4 once block 2 is in): a seller and a buyer who meet, and a seller nobody meets.
  await f.blocksUntil(2);
  const matched = sellOrderTx(f.env, seller, {
    leag: f.leag.publicKey,
    window: 2,
    energyWh: 4000,
    expectedPrice: 250,
    minPrice: 150,
    payout: walletAddress(generateKeyPair().publicKey),
  });
  const alone = sellOrderTx(f.env, buyer, {
    leag: f.leag.publicKey,
    window: 2,
    energyWh: 1000,
    expectedPrice: 299,
    minPrice: 290,
    payout: walletAddress(generateKeyPair().publicKey),
  });
  const bid = buyOrderTx(
    f.env,
    buyer,
    {
      leag: f.leag.publicKey,
      window: 2,
      energyWh: 4000,
      maxPrice: 280,
      refund: walletAddress(seller.publicKey),
    },
    [{ outpoint: { txId: txId(deposit), index: 0 }, key: wallet }],
    [{ address: walletAddress(generateKeyPair().publicKey), amount: 5_000_000 - 4000 * 280 }],
  );
  for (const tx of [matched, alone, bid]) {
    const r = await post('/v1/market/txs', { tx: hex(tx) });
    assert.equal(r.status, 202, JSON.stringify(r.body));
  }
  await f.nextBlock();
  const orders = async (account: Uint8Array, status?: string) => {
    const q = status ? `&status=${status}` : '';
    const res = await f.app.inject({ method: 'GET', url: `/v1/market/orders?account=${toHex(account)}${q}` });
    return (res.json() as { orders: { id: string; status: string; cleared: boolean; matchedWh: number }[] })
      .orders;
  };
  const sellerOpen = await orders(seller.publicKey);
  assert.ok(sellerOpen.some((o) => o.id === toHex(txId(matched))));
  assert.ok(sellerOpen.every((o) => o.status === 'open' && !o.cleared));

  await f.blocksUntil(6); // window 2 (heights 5..6) clears at height 6
  const byId = async (tx: Tx) => {
    const res = await f.app.inject({ method: 'GET', url: `/v1/market/orders/${toHex(txId(tx))}` });
    return res.json() as { status: string; order: { cleared: boolean; matchedWh: number } };
  };
  const m = await byId(matched);
  assert.equal(m.status, 'cleared');
  assert.deepEqual([m.order.cleared, m.order.matchedWh], [true, 4000]);
  const a = await byId(alone);
  assert.equal(a.status, 'unmatched');
  assert.deepEqual([a.order.cleared, a.order.matchedWh], [false, 0], 'nothing matched: not cleared');

  const open = await orders(buyer.publicKey);
  assert.ok(
    !open.some((o) => o.id === toHex(txId(alone)) || o.id === toHex(txId(bid))),
    'cleared orders are not open',
  );
  assert.deepEqual(
    (await orders(buyer.publicKey, 'unmatched')).map((o) => o.id),
    [toHex(txId(alone))],
  );
  const unsettled = await orders(buyer.publicKey, 'unsettled');
  assert.deepEqual(unsettled.map((o) => o.status).sort(), ['cleared', 'unmatched']);
});
