import { writeFile } from 'node:fs/promises';
import type { NodeClient } from '@v2g/client';
import { collectHistory, windowsCsv, writeHistory } from '@v2g/node';

/** After a run, before its LEAGs stop: the history from `c` into `reportDir`, and windows.csv to `csv`. */
export async function saveRunHistory(
  c: NodeClient,
  o: { readonly reportDir?: string | null; readonly csv?: string | null },
  log: (line: string) => void,
): Promise<void> {
  if (!o.reportDir && !o.csv) return;
  const history = await collectHistory(c);
  if (o.reportDir) {
    const files = await writeHistory(o.reportDir, history);
    log(
      `testnet: per-window history (${history.windows.length} windows) in ${files.length} files in ${o.reportDir}`,
    );
  }
  if (o.csv) {
    await writeFile(o.csv, windowsCsv(history));
    log(`testnet: per-window CSV in ${o.csv}`);
  }
}
