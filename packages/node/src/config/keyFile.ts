import { readFile, writeFile } from 'node:fs/promises';
import { bytesEqual, fromHex, type KeyPair, keyPairFromSeed, toHex } from '@v2g/core';

/** A key file holds `{ "publicKey": hex, "secretKey": hex }` (the 32-byte seed), mode 0600. */
export async function writeKeyFile(path: string, key: KeyPair): Promise<void> {
  const body = { publicKey: toHex(key.publicKey), secretKey: toHex(key.secretKey) };
  await writeFile(path, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
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
