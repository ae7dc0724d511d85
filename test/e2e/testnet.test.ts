// Ports: each e2e file owns its range (testnet 31100–34199, market 35100–36199, adversary 29100–29299), so files can run in parallel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTestnet } from '@v2g/testnet';

const base = {
  evs: 12,
  rate: 60,
  committee: 0,
  windowBlocks: 10,
  blockIntervalMs: 200,
  dir: null,
  keep: false,
  json: null,
  quiet: true,
} as const;

test('four LEAG processes commit blocks and hold identical chains', { timeout: 240_000 }, async () => {
  const r = await runTestnet({ ...base, nodes: 4, durationSec: 8, faulty: -1, basePort: 31100 }, () => {});
  assert.ok(r.commonHeight >= 5, `expected at least 5 blocks, got ${r.commonHeight}`);
  assert.ok(r.agreed, 'all LEAGs hold the same block at the common height');
  assert.ok(r.committedTxs > 0, 'transactions were committed');
  assert.equal(r.committedTxs, r.submittedTxs, 'every accepted transaction committed');
});

test('a LEAG killed with SIGKILL under load restarts and catches up', { timeout: 240_000 }, async () => {
  const r = await runTestnet({ ...base, nodes: 4, durationSec: 15, faulty: 3, basePort: 33100 }, () => {});
  // Agreement at the common height means the restarted LEAG holds every block, and so every
  // transaction, that the others reported committed.
  assert.ok(r.agreed, 'the restarted LEAG holds the same chain');
  assert.ok(r.commonHeight > 10, `common height ${r.commonHeight}`);
  assert.ok(r.committedTxs > 0);
});
