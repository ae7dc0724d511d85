/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { loadConfig } from '../config/config.ts';
import { ChainStoreError } from '../storage/chainStoreError.ts';
import { reportStoreError, STORE_EXIT_CODE } from './storeCommands.ts';

/**
 * What `v2g start` says when the LEAG cannot start for a reason a person can
 * fix: another LEAG already runs on the data directory (LevelDB's lock) or on
 * the HTTP port, or the store failed its checks. Before, a second start on
 * the same data said only `Database failed to open`.
 */
export async function reportStartError(err: unknown, configPath: string): Promise<void> {
  const config = await loadConfig(configPath).catch(() => null);
  if (err instanceof ChainStoreError && err.code === 'store-locked') {
    console.error(
      `error: a LEAG is already running on ${config?.dataDir ?? 'this data directory'}` +
        ` (config ${configPath}): another process holds its LevelDB lock.`,
    );
    console.error('  Stop that LEAG first (SIGTERM or Ctrl-C), or give this one its own dataDir.');
    process.exitCode = STORE_EXIT_CODE;
    return;
  }
  if (err instanceof ChainStoreError) return reportStoreError(err, configPath);
  const where = config ? `${config.httpHost}:${config.httpPort}` : 'the HTTP port';
  console.error(
    `error: ${where} is already in use (config ${configPath}): is this LEAG already running, or another` +
      ' program on that port? Stop it, or set another httpPort.',
  );
  process.exitCode = 1;
}
