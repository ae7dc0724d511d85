import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isStatelessTxCode, TX_ERROR_CODES } from '../src/index.ts';

test('refusals on the face of a transaction are stateless; those that depend on the view are not', () => {
  for (const code of ['malformed', 'wrong-chain', 'bad-signature', 'duplicate-input', 'supply-overflow']) {
    assert.equal(isStatelessTxCode(code), true, code);
  }
  for (const code of ['double-spend', 'missing-input', 'window-closed', 'untrusted', 'mempool-full']) {
    assert.equal(isStatelessTxCode(code), false, code);
  }
  assert.equal(isStatelessTxCode('toString'), false, 'an inherited property is no code');
  assert.equal(isStatelessTxCode('no-such-code'), false);
});

test('the README lists every transaction error code, and marks the stateless ones', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  for (const [code, { stateless }] of Object.entries(TX_ERROR_CODES)) {
    assert.ok(readme.includes(stateless ? `**\`${code}\`**` : `\`${code}\``), `README names ${code}`);
  }
});
