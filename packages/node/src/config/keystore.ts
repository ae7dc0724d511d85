import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '@v2g/core';

/**
 * A secret key encrypted with a passphrase: scrypt derives a 256-bit key
 * (N = 2^15, r = 8, p = 1, a fresh 16-byte salt), AES-256-GCM encrypts the
 * 32-byte seed under a fresh 12-byte nonce, and the tag authenticates it, so
 * a wrong passphrase is told apart from a damaged file.
 */
export interface EncryptedSecret {
  readonly kdf: 'scrypt';
  readonly n: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
  readonly cipher: 'aes-256-gcm';
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

const N = 2 ** 15;
const R = 8;
const P = 1;
/** scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is exactly that, too tight with overhead. */
const MAXMEM = 64 * 1024 * 1024;

export function encryptSecret(secret: Uint8Array, passphrase: string): EncryptedSecret {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = scryptSync(passphrase, salt, 32, { N, r: R, p: P, maxmem: MAXMEM });
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
  return {
    kdf: 'scrypt',
    n: N,
    r: R,
    p: P,
    salt: toHex(salt),
    cipher: 'aes-256-gcm',
    iv: toHex(iv),
    ciphertext: toHex(ciphertext),
    tag: toHex(cipher.getAuthTag()),
  };
}

export function decryptSecret(e: EncryptedSecret, passphrase: string): Uint8Array {
  if (e.kdf !== 'scrypt' || e.cipher !== 'aes-256-gcm')
    throw new Error(`unsupported key encryption ${e.kdf}/${e.cipher}`);
  const key = scryptSync(passphrase, fromHex(e.salt), 32, { N: e.n, r: e.r, p: e.p, maxmem: MAXMEM });
  const decipher = createDecipheriv('aes-256-gcm', key, fromHex(e.iv));
  decipher.setAuthTag(fromHex(e.tag));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(fromHex(e.ciphertext)), decipher.final()]));
  } catch {
    throw new Error('wrong passphrase (or a damaged key file)');
  }
}

/**
 * The passphrase for encrypted key files: $V2G_KEY_PASSPHRASE_FILE (a file
 * holding it, one trailing newline ignored), else $V2G_KEY_PASSPHRASE, else
 * none. Never a command-line option: those show in `ps`.
 */
export function passphraseFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const file = env.V2G_KEY_PASSPHRASE_FILE;
  if (file) return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  return env.V2G_KEY_PASSPHRASE ?? null;
}
