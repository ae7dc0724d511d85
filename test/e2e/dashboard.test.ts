// Ports: 41300–41399 (libp2p), 42300–42399 (HTTP); see testnet.test.ts for the other files' ranges.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NodeClient } from '@v2g/client';
import { runTestnet, waitFor } from '@v2g/testnet';
import { chromium } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it): Playwright's own browser downloads cannot work here. */
const CHROMIUM = process.env.V2G_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = new URL('../../test-results/', import.meta.url);
const HTTP = 42300;
const REPORT_DIR = new URL('testnet-history/', SCREENSHOT_DIR);

/**
 * Issue 11: the dashboard every LEAG serves at `/`, in a real browser, against
 * a four-LEAG testnet running its market day: it shows the chain, the LEAGs
 * and committee, the market with prices inside the tariff band, EV
 * reputations, and follows new blocks live over the event stream.
 */
test('the dashboard shows the chain, committee, market and reputations, live, in a real browser; the run writes its per-window history', {
  timeout: 180_000,
}, async () => {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  const testnet = runTestnet(
    {
      nodes: 4,
      evs: 8,
      durationSec: 45,
      rate: 10,
      committee: 0,
      windowBlocks: 4,
      blockIntervalMs: 200,
      faulty: -1,
      dir: null,
      keep: false,
      json: null,
      reportDir: fileURLToPath(REPORT_DIR),
      basePort: 41300,
      quiet: true,
      market: { evs: 12, dishonestShare: 0.25, seed: 3 },
    },
    () => {},
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const node = new NodeClient(`http://127.0.0.1:${HTTP}`);
    await waitFor('leag-0 at height 3', 90_000, async () =>
      (await node.head()).height >= 3 ? true : undefined,
    );
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`http://127.0.0.1:${HTTP}/`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });

    // Live: block events arrive over SSE and move the height without a reload.
    // Page functions run in the browser; they are given as text (this file is not type-checked against the DOM).
    await page.waitForFunction('Number(document.body.dataset.blockEvents ?? 0) >= 3', null, {
      timeout: 20_000,
    });
    const height = async () => Number((await page.textContent('#height'))?.replace(/,/g, ''));
    const first = await height();
    await page.waitForFunction(
      `Number(document.getElementById('height').textContent.replace(/,/g, '')) > ${first}`,
      null,
      {
        timeout: 10_000,
      },
    );
    assert.equal(await page.getAttribute('#live', 'data-state'), 'live');

    // The market and reputations fill in as windows clear and settle.
    const filled = (table: string) => `document.querySelectorAll('${table} tbody tr').length > 0`;
    const priced =
      "[...document.querySelectorAll('#stations tbody tr td:nth-child(2)')].some((c) => c.textContent !== '–')";
    await page.waitForFunction(
      [
        filled('#stations'),
        filled('#settlements'),
        filled('#reputation'),
        priced,
        "document.querySelector('#rep-chart canvas')",
      ].join(' && '),
      null,
      { timeout: 60_000, polling: 500 },
    );
    assert.equal(await page.textContent('#health-status'), 'ok');
    const leags = await page.$$eval('#leags tbody tr', (rows) => rows.map((r) => r.textContent ?? ''));
    assert.equal(leags.length, 4);
    assert.ok(
      leags.every((r) => /leag-\d/.test(r) && r.includes('member')),
      leags.join(' | '),
    );
    assert.match((await page.textContent('#leader')) ?? '', /^leag-\d$/);

    // Every clearing price shown lies inside the tariff band shown for the open window.
    const band = [Number(await page.textContent('#feed-in')), Number(await page.textContent('#retail'))];
    const prices = await page.$$eval('#stations tbody tr td:nth-child(2)', (cells) =>
      cells.map((c) => c.textContent ?? '').filter((t) => t !== '–'),
    );
    assert.ok(prices.length > 0, 'some station cleared at a price');
    for (const p of prices.map((t) => Number(t.replace(/,/g, '')))) {
      assert.ok(p >= band[0]! && p <= band[1]!, `price ${p} within ${band}`);
    }
    assert.ok(
      Number(await page.textContent('#rep-total')) >= 12,
      'every market EV is in the reputation table',
    );
    for (const chart of ['#price-chart', '#volume-chart', '#rep-chart']) {
      assert.ok(await page.$(`${chart} canvas`), `${chart} is drawn`);
    }
    assert.deepEqual(errors, [], 'no script errors');

    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: new URL('dashboard.png', SCREENSHOT_DIR).pathname, fullPage: true });
  } finally {
    await browser.close();
    const report = await testnet;
    assert.ok(report.agreed, 'the LEAGs agree');
  }
  // The same run's history, for researchers: a line per window, and the charts.
  const csv = (await readFile(new URL('windows.csv', REPORT_DIR), 'utf8')).trim().split('\n');
  assert.match(
    csv[0]!,
    /^window,status,closesAt,retailPrice,feedInPrice,leader,round,commitSignatures,supplyWh/,
  );
  assert.ok(csv.length > 10, `${csv.length - 1} windows`);
  assert.ok(
    csv.slice(1).some((l) => /,leag-\d,/.test(l)),
    'each closed window names its leader',
  );
  const rep = await readFile(new URL('reputation.csv', REPORT_DIR), 'utf8');
  assert.ok(rep.split('\n').length > 5, 'reputation points per EV and window');
  // Every LEAG at every closed window's close, from each LEAG's own history index.
  const leagLines = (await readFile(new URL('leag-reputation.csv', REPORT_DIR), 'utf8')).trim().split('\n');
  assert.equal(leagLines[0], 'window,leag,reputationPpm,member,weightPpm,leader');
  const windowsWithLeags = new Set(leagLines.slice(1).map((l) => l.split(',')[0]));
  assert.ok(windowsWithLeags.size >= 5, `LEAG points in ${windowsWithLeags.size} windows`);
  assert.ok(
    leagLines.slice(1).filter((l) => l.endsWith(',true')).length === windowsWithLeags.size,
    'one leader per window',
  );
  for (const chart of ['prices.svg', 'volumes.svg', 'reputation.svg', 'leag-reputation.svg']) {
    assert.match(await readFile(new URL(chart, REPORT_DIR), 'utf8'), /^<svg [^>]*>[\s\S]*<polyline/);
  }
});
