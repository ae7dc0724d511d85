import { readFile, writeFile } from 'node:fs/promises';
import { compareByReputation } from '@v2g/consensus';
import type { Genesis } from '@v2g/core';

/**
 * Fewer connections per LEAG (`pnpm bench --scale --peers n`): each LEAG's
 * bootstrap list keeps the genesis committee (top k by reputation, ties by
 * key, as the chain selects it) and its n next LEAGs on a ring, instead of
 * every other LEAG; `p2p.targetPeers` is set to match, so discovery does not
 * chase the rest. Committee members still reach everyone (everyone dials them).
 */
export async function thinBootstrap(
  configPaths: readonly string[],
  genesis: Genesis,
  committee: number,
  peers: number,
): Promise<void> {
  const n = configPaths.length;
  const order = genesis.leags
    .map((l, i) => ({ ...l, i }))
    .sort(compareByReputation)
    .map((l) => l.i);
  const members = new Set(committee === 0 ? order : order.slice(0, committee));
  for (const [i, path] of configPaths.entries()) {
    const config = JSON.parse(await readFile(path, 'utf8')) as { bootstrap: string[]; p2p?: object };
    // The bootstrap list names every other LEAG in index order (LeagHosts.network).
    const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
    const ring = new Set(Array.from({ length: Math.min(peers, n - 1) }, (_, d) => (i + d + 1) % n));
    const keep = others.flatMap((j, at) => (members.has(j) || ring.has(j) ? [config.bootstrap[at]!] : []));
    const next = { ...config, bootstrap: keep, p2p: { ...config.p2p, targetPeers: keep.length } };
    await writeFile(path, `${JSON.stringify(next, null, 2)}\n`);
  }
}
