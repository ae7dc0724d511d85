import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainStoreError } from './chainStoreError.ts';

export type DataDirState = 'absent' | 'empty' | 'database';

/**
 * What a data directory holds before LevelDB touches it. LevelDB's
 * `createIfMissing` takes a directory without `CURRENT` for a new database:
 * it writes a fresh manifest and deletes every table and log file that
 * manifest does not list — the whole chain, silently. So a directory that is
 * not empty must already hold a database LevelDB can open as it is: a
 * `CURRENT` file naming a manifest that exists.
 */
export async function inspectDataDir(dir: string): Promise<DataDirState> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'ENOTDIR') throw notAStore(dir, 'it is a file, not a directory');
    throw err;
  }
  if (entries.length === 0) return 'empty';
  if (!entries.includes('CURRENT')) throw notAStore(dir, 'LevelDB’s CURRENT file is missing');
  const manifest = (await readFile(join(dir, 'CURRENT'), 'utf8')).trim();
  if (!/^MANIFEST-[0-9]+$/.test(manifest)) throw notAStore(dir, 'LevelDB’s CURRENT file is damaged');
  if (!entries.includes(manifest)) throw notAStore(dir, `CURRENT names ${manifest}, which is missing`);
  return 'database';
}

function notAStore(dir: string, why: string): ChainStoreError {
  return new ChainStoreError(
    { code: 'not-a-store', dir },
    `${dir} is not empty but holds no usable chain store (${why}); refusing to create a new database over it`,
  );
}
