/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NodeClient } from '@v2g/client';
import { fromHex, generateKeyPair, type KeyPair, walletAddress } from '@v2g/core';
import { type Command, InvalidArgumentError } from 'commander';
import { writeKeyFile } from '../config/keyFile.ts';

export const DEFAULT_NODE = 'http://127.0.0.1:8100';

/** Options every command that talks to a LEAG takes. */
export interface NodeOptions {
  readonly node: string;
  /** Only to check the LEAG serves the chain one means: the chain id is read from the LEAG. */
  readonly chainId?: string;
}

export function int(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** `--node`, and `--chain-id` as an optional check: the chain id itself comes from the LEAG (GET /v1/chain). */
export function withNode(cmd: Command): Command {
  return cmd
    .option('--node <url>', 'LEAG API', process.env.V2G_NODE ?? DEFAULT_NODE)
    .option(
      '--chain-id <id>',
      'refuse to sign unless the LEAG serves this chain (default: what the LEAG says)',
    );
}

/** The chain a transaction is signed for: the LEAG's, checked against `--chain-id` when one was given. */
export async function chainOf(c: NodeClient, o: NodeOptions): Promise<{ chainId: string }> {
  const { chainId } = await c.chain();
  if (o.chainId !== undefined && o.chainId !== chainId) {
    throw new Error(`--chain-id ${o.chainId}, but the LEAG at ${c.baseUrl} serves chain ${chainId}`);
  }
  return { chainId };
}

export function clientOf(o: { node: string }): NodeClient {
  return new NodeClient(o.node);
}

/** A LEAG named by its public key (hex) or by its genesis name (`leag-0`). */
export async function leagKey(c: NodeClient, given: string): Promise<Uint8Array> {
  if (/^[0-9a-f]{64}$/.test(given)) return fromHex(given);
  const { leags } = await c.chain();
  const found = leags.find((l) => l.name === given);
  if (!found) {
    const names = leags.map((l) => l.name).join(', ');
    throw new InvalidArgumentError(
      `${given} is neither a LEAG public key (64 hex digits) nor a LEAG name (${names})`,
    );
  }
  return fromHex(found.publicKey);
}

/**
 * Where one-time wallet keys (payout, refund, change) go when no file is
 * named: `--keys-dir`, else $V2G_KEYS_DIR, else `wallets/` in the directory
 * the command was run from. Never the repository: a key that receives money
 * does not belong in a git working tree.
 */
export function keysDirOf(o: { keysDir?: string }): string {
  return resolve(o.keysDir ?? process.env.V2G_KEYS_DIR ?? 'wallets');
}

export function withKeysDir(cmd: Command): Command {
  return cmd.option(
    '--keys-dir <dir>',
    'where new one-time wallet keys are written when no file is named (default: $V2G_KEYS_DIR or ./wallets)',
  );
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/**
 * A fresh one-time wallet key for a payout, refund or change, written to
 * `path` (or a new file in the keys directory), never over an existing file:
 * that would lose whatever the old wallet holds. Says on stderr where it went,
 * so the person knows which file now receives money.
 */
export async function freshWallet(
  role: 'payout' | 'refund' | 'change',
  path: string | undefined,
  o: { keysDir?: string },
): Promise<{ key: KeyPair; address: Uint8Array; file: string }> {
  let file: string;
  if (path === undefined) {
    const dir = keysDirOf(o);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    file = join(dir, `${role}-${stamp()}.key`);
  } else {
    file = resolve(path);
  }
  const key = generateKeyPair();
  await writeKeyFile(file, key, { overwrite: false });
  console.error(
    `wrote the ${role} wallet key to ${file} (mode 0600): keep it, it owns what the ${role} receives`,
  );
  return { key, address: walletAddress(key.publicKey), file };
}
