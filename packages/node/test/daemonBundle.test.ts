import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUNDLE_PATH, bundleStaleness, CLI_PATH, daemonEntry } from '../src/build/daemonBundle.ts';

test('a bundle is stale once a source it was built from is newer, or gone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'v2g-bundle-'));
  const [bundle, inputs, source] = ['v2g.js', 'inputs.json', 'a.ts'].map((f) => join(dir, f)) as [
    string,
    string,
    string,
  ];
  assert.match(bundleStaleness(bundle, inputs) ?? '', /not built/);
  await writeFile(source, 'export {};\n');
  await writeFile(inputs, JSON.stringify([source]));
  await writeFile(bundle, '');
  const built = new Date();
  await utimes(source, new Date(built.getTime() - 10_000), new Date(built.getTime() - 10_000));
  await utimes(bundle, built, built);
  assert.equal(bundleStaleness(bundle, inputs), null);
  await utimes(source, new Date(built.getTime() + 10_000), new Date(built.getTime() + 10_000));
  assert.match(bundleStaleness(bundle, inputs) ?? '', /changed after the bundle was built/);
  await writeFile(inputs, JSON.stringify([join(dir, 'gone.ts')]));
  assert.match(bundleStaleness(bundle, inputs) ?? '', /is gone/);
});

test('daemons run the bundle only while it is fresh, and the bundle is the CLI', (t) => {
  const fresh = bundleStaleness() === null;
  assert.equal(daemonEntry(), fresh ? BUNDLE_PATH : CLI_PATH);
  if (!existsSync(BUNDLE_PATH)) return t.skip('no bundle: pnpm build:daemon');
  const help = execFileSync(process.execPath, [BUNDLE_PATH, '--help'], { encoding: 'utf8' });
  assert.match(help, /\bstart\b/);
  assert.match(help, /\bhistory\b/);
});
