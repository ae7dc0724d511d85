import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bytesEqual, generateKeyPair } from '@v2g/core';
import { KeyFileExistsError, readKeyFile, writeKeyFile } from '../src/config/keyFile.ts';
import { passphraseFromEnv } from '../src/config/keystore.ts';

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

test('a key file written without overwrite never replaces an existing one, and leaves no temporary file', async () => {
  const path = join(dir, 'kept.key');
  const first = generateKeyPair();
  await writeKeyFile(path, first, { overwrite: false });
  await assert.rejects(writeKeyFile(path, generateKeyPair(), { overwrite: false }), KeyFileExistsError);
  assert.ok(bytesEqual((await readKeyFile(path)).secretKey, first.secretKey), 'the first key is still there');
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('an encrypted key file reads back with its passphrase, and says what is missing or wrong', async () => {
  const path = join(dir, 'sealed.key');
  const key = generateKeyPair();
  await writeKeyFile(path, key, { passphrase: 'correct horse' });
  const text = await readFile(path, 'utf8');
  assert.ok(!text.includes(Buffer.from(key.secretKey).toString('hex')), 'the seed is not in the file');
  assert.equal(await mode(path), 0o600);
  assert.ok(bytesEqual((await readKeyFile(path, { passphrase: 'correct horse' })).secretKey, key.secretKey));
  await assert.rejects(readKeyFile(path, { passphrase: 'wrong' }), /wrong passphrase/);
  await assert.rejects(readKeyFile(path, { passphrase: null }), /is encrypted: set V2G_KEY_PASSPHRASE_FILE/);
  const passFile = join(dir, 'pass.txt');
  await writeFile(passFile, 'correct horse\n');
  assert.equal(passphraseFromEnv({ V2G_KEY_PASSPHRASE_FILE: passFile }), 'correct horse');
});
