import { randomBytes } from 'node:crypto';
import { chmod, link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { bytesEqual, fromHex, type KeyPair, keyPairFromSeed, toHex } from '@v2g/core';
import { decryptSecret, type EncryptedSecret, encryptSecret, passphraseFromEnv } from './keystore.ts';

/**
 * A key file holds `{ "publicKey": hex, "secretKey": hex }` (the 32-byte seed), mode 0600,
 * or `{ "publicKey", "encryptedSecretKey" }` with the seed under a passphrase (keystore.ts).
 *
 * `writeFile`'s mode only applies when it creates the file: writing over an
 * existing world-readable file would keep its mode and expose the secret. So
 * the key goes to a fresh file next to the target, created 0600 and chmod'ed
 * (the umask cannot add bits, but be exact), then renamed over the target:
 * the target is a new inode with the new mode, and a reader sees the old or
 * the new key, never half of one.
 */
export async function writeKeyFile(
  path: string,
  key: KeyPair,
  o: { overwrite?: boolean; passphrase?: string | null } = {},
): Promise<void> {
  // With a passphrase the seed is stored encrypted (keystore.ts); the public key stays readable.
  const body = o.passphrase
    ? { publicKey: toHex(key.publicKey), encryptedSecretKey: encryptSecret(key.secretKey, o.passphrase) }
    : { publicKey: toHex(key.publicKey), secretKey: toHex(key.secretKey) };
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600);
    // link() fails when the target exists, in the same step that creates it: no window in which a key
    // written by someone else in the meantime could be replaced.
    if (o.overwrite === false)
      await link(tmp, path).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'EEXIST' ? new KeyFileExistsError(path) : err;
      });
    else await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** A key file is never replaced unless asked: the key it holds, and whatever it owns, would be gone. */
export class KeyFileExistsError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(
      `${path} exists; it holds a key (and whatever that key owns). Choose another file, or --force to replace it`,
    );
    this.path = path;
  }
}

/**
 * Reads a plain or an encrypted key file; an encrypted one needs the
 * passphrase (by default from the environment, keystore.ts).
 */
export async function readKeyFile(path: string, o: { passphrase?: string | null } = {}): Promise<KeyPair> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as {
    publicKey?: unknown;
    secretKey?: unknown;
    encryptedSecretKey?: EncryptedSecret;
  };
  if (typeof raw.publicKey !== 'string')
    throw new Error(`${path}: expected {"publicKey", "secretKey"} in hex`);
  let seed: Uint8Array;
  if (raw.encryptedSecretKey) {
    const passphrase = o.passphrase === undefined ? passphraseFromEnv() : o.passphrase;
    if (!passphrase) {
      throw new Error(
        `${path} is encrypted: set V2G_KEY_PASSPHRASE_FILE (a file holding the passphrase) or V2G_KEY_PASSPHRASE`,
      );
    }
    try {
      seed = decryptSecret(raw.encryptedSecretKey, passphrase);
    } catch (err) {
      throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else if (typeof raw.secretKey === 'string') {
    seed = fromHex(raw.secretKey);
  } else {
    throw new Error(`${path}: expected {"publicKey", "secretKey"} in hex`);
  }
  const key = keyPairFromSeed(seed);
  if (!bytesEqual(key.publicKey, fromHex(raw.publicKey))) {
    throw new Error(`${path}: the public key does not belong to the secret key`);
  }
  return key;
}
