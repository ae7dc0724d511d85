/* biome-ignore-all lint/suspicious/noConsole: the benchmark reports on stdout */
/**
 * `pnpm bench --scale`: 16, 32 and 64 LEAG daemons, committee k = 7 and
 * k = all, each LEAG on its own host (`--hosts netns`, a network namespace
 * behind a delaying relay, `--latency-ms` between hosts) or all on loopback.
 * Rows run one at a time; each is merged into bench-results/scale.json (by
 * LEAGs, k, hosts and latency), so a long table can be filled row by row,
 * and the whole table is printed and written to bench-results/scale.md.
 *
 *   pnpm bench --scale --hosts netns --latency-ms 50 --leags 64 --committee 7
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { buildDaemonBundle, bundleStaleness } from '@v2g/node';
import type { HostMode } from '../leagHosts.ts';
import { rowKey, scaleMarkdown, scaleTargets } from './scaleReport.ts';
import { type ScaleRow, scaleRow } from './scaleRow.ts';

const RESULTS = 'bench-results/scale.json';

function list(value: string, what: string): number[] {
  return value.split(',').map((v) => {
    const n = v === 'all' ? 0 : Number(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`${what}: expected numbers (or all), got ${value}`);
    return n;
  });
}

export async function runScale(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      scale: { type: 'boolean' },
      leags: { type: 'string', default: '16,32,64' },
      committee: { type: 'string', default: '7,all' },
      hosts: { type: 'string', default: 'loopback' },
      'latency-ms': { type: 'string', default: '0' },
      peers: { type: 'string', default: '0' },
      'block-interval': { type: 'string', default: '1000' },
      rate: { type: 'string', default: '100' },
      'load-sec': { type: 'string', default: '30' },
      'idle-sec': { type: 'string', default: '20' },
      'first-block-timeout': { type: 'string', default: '300' },
      keep: { type: 'boolean', default: false },
    },
  });
  const hosts = values.hosts as HostMode;
  if (hosts !== 'netns' && hosts !== 'loopback') throw new Error('--hosts: netns or loopback');
  const previous = JSON.parse(await readFile(RESULTS, 'utf8').catch(() => '{"rows":[]}')) as {
    rows: ScaleRow[];
  };
  const rows = new Map(previous.rows.map((r) => [rowKey(r), r]));
  let port = 45000;
  for (const leags of list(values.leags, '--leags')) {
    for (const committee of list(values.committee, '--committee')) {
      // The daemons run precompiled JavaScript, built for each row: others may change the sources between rows.
      const built = await buildDaemonBundle();
      console.log(`daemon bundle built in ${built.ms.toFixed(0)} ms (${bundleStaleness() ?? 'fresh'})`);
      const load = loadavg()[0]!;
      console.log(
        `${leags} LEAGs, k = ${committee || 'all'}, ${hosts}${hosts === 'netns' ? ` ${values['latency-ms']} ms` : ''} (load average ${load.toFixed(2)})`,
      );
      const row = await scaleRow(
        {
          leags,
          committee,
          hosts,
          latencyMs: Number(values['latency-ms']),
          peers: Number(values.peers),
          blockIntervalMs: Number(values['block-interval']),
          rate: Number(values.rate),
          loadSec: Number(values['load-sec']),
          idleSec: Number(values['idle-sec']),
          firstBlockTimeoutSec: Number(values['first-block-timeout']),
          basePort: port,
          keep: values.keep === true,
        },
        load,
      );
      port += 200;
      rows.set(rowKey(row), row);
      await mkdir('bench-results', { recursive: true });
      await writeFile(RESULTS, `${JSON.stringify({ rows: [...rows.values()] }, null, 2)}\n`);
    }
  }
  const all = [...rows.values()];
  const md = `${scaleMarkdown(all)}\n\n${scaleTargets(all)
    .map((t) => `- ${t}`)
    .join('\n')}\n`;
  await writeFile('bench-results/scale.md', md);
  console.log(`\n${md}`);
}
