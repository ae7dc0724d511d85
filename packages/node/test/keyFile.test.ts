import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bytesEqual, generateKeyPair } from '@v2g/core';
import { readKeyFile, writeKeyFile } from '../src/config/keyFile.ts';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'v2g-keyfile-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

test('a new key file is written with mode 0600 and reads back as the same key', async () => {
  const path = join(dir, 'new.key');
  const key = generateKeyPair();
  await writeKeyFile(path, key);
  assert.equal(await mode(path), 0o600);
  assert.ok(bytesEqual((await readKeyFile(path)).secretKey, key.secretKey));
});

test('writing over an existing world-readable file leaves the secret readable by its owner only', async () => {
  const path = join(dir, 'exposed.key');
  await writeFile(path, 'old contents\n', { mode: 0o644 });
  assert.equal(await mode(path), 0o644);
  const key = generateKeyPair();
  await writeKeyFile(path, key);
  assert.equal(await mode(path), 0o600);
  assert.ok(bytesEqual((await readKeyFile(path)).secretKey, key.secretKey));
  const leftovers = (await readdir(dir)).filter((f) => f.endsWith('.tmp'));
  assert.deepEqual(leftovers, [], 'no temporary file is left behind');
});
