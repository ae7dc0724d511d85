import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { bytesEqual, fromHex, type KeyPair, keyPairFromSeed, toHex } from '@v2g/core';

/**
 * A key file holds `{ "publicKey": hex, "secretKey": hex }` (the 32-byte seed), mode 0600.
 *
 * `writeFile`'s mode only applies when it creates the file: writing over an
 * existing world-readable file would keep its mode and expose the secret. So
 * the key goes to a fresh file next to the target, created 0600 and chmod'ed
 * (the umask cannot add bits, but be exact), then renamed over the target:
 * the target is a new inode with the new mode, and a reader sees the old or
 * the new key, never half of one.
 */
export async function writeKeyFile(path: string, key: KeyPair): Promise<void> {
  const body = { publicKey: toHex(key.publicKey), secretKey: toHex(key.secretKey) };
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function readKeyFile(path: string): Promise<KeyPair> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as { publicKey?: unknown; secretKey?: unknown };
  if (typeof raw.secretKey !== 'string' || typeof raw.publicKey !== 'string') {
    throw new Error(`${path}: expected {"publicKey", "secretKey"} in hex`);
  }
  const key = keyPairFromSeed(fromHex(raw.secretKey));
  if (!bytesEqual(key.publicKey, fromHex(raw.publicKey))) {
    throw new Error(`${path}: the public key does not belong to the secret key`);
  }
  return key;
}
