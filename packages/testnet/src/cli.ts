#!/usr/bin/env node
/* biome-ignore-all lint/suspicious/noConsole: the testnet reports to a person */
/**
 * `pnpm testnet`: N LEAG daemons as processes, EV traffic and a market day
 * through their APIs, and a report.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { formatReport, runTestnet } from './run.ts';

// pnpm runs a script from the repository root; INIT_CWD is the directory the person typed
// `pnpm testnet …` in, and every relative path they give means a path from there.
if (process.env.INIT_CWD && process.env.npm_lifecycle_event === 'testnet')
  process.chdir(process.env.INIT_CWD);

function int(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number in [0, 1]');
  return n;
}

const program = new Command('testnet').description(
  'start N LEAG daemons on loopback, drive EV traffic, and report. Relative paths are taken from the directory you run it in.',
);

program
  .option('--nodes <n>', 'number of LEAGs', int, 4)
  .option('--evs <n>', 'number of EVs', int, 40)
  .option('--duration <s>', 'seconds of traffic', int, 30)
  .option('--rate <tx/s>', 'offered transfers per second', int, 200)
  .option('--committee <k>', 'committee size (0 = all)', int, 0)
  .option('--window-blocks <n>', 'blocks per market window (short, so a minute spans many)', int, 6)
  .option('--block-interval <ms>', 'target block interval', int, 200)
  .option('--no-market', 'transfers only: no market day')
  .option('--market-evs <n>', 'EVs trading in the market day', int, 24)
  .option(
    '--dishonest <share>',
    'share of market EVs that are dishonest: failing sellers, mixed (fail sales, buy honestly), no-show buyers, in turn (0..1)',
    share,
    0.2,
  )
  .option('--seed <n>', 'seed of the EVs batteries, needs and choices', int, 1)
  .option('--faulty <i>', 'crash LEAG i (SIGKILL) mid-run and restart it', (v) => Number(v), -1)
  .option('--dir <dir>', 'keep the network in this directory')
  .option('--port <port>', 'first libp2p port (HTTP ports start 1000 higher)', int, 17100)
  .option(
    '--hosts <mode>',
    'loopback, or netns: each LEAG in its own network namespace with its own address (needs root, ip, iptables)',
    (v: string) => {
      if (v !== 'loopback' && v !== 'netns') throw new InvalidArgumentError('loopback or netns');
      return v;
    },
    'loopback',
  )
  .option('--latency-ms <ms>', 'with --hosts netns: latency added between every two LEAGs', int, 0)
  .option('--json <file>', 'also write the report as JSON')
  .option(
    '--report-dir <dir>',
    'write the per-window history: CSV, JSON and SVG charts (prices, energy, reputations)',
  )
  .option('--csv <file>', 'write the per-window history as one CSV (Wh, micro-units, ppm)')
  .action(async (o) => {
    const report = await runTestnet(
      {
        nodes: o.nodes,
        evs: o.evs,
        durationSec: o.duration,
        rate: o.rate,
        committee: o.committee,
        windowBlocks: o.windowBlocks,
        blockIntervalMs: o.blockInterval,
        faulty: o.faulty,
        dir: o.dir ? resolve(o.dir) : null,
        keep: Boolean(o.dir),
        json: o.json ? resolve(o.json) : null,
        reportDir: o.reportDir ? resolve(o.reportDir) : null,
        csv: o.csv ? resolve(o.csv) : null,
        basePort: o.port,
        hosts: o.hosts,
        latencyMs: o.latencyMs,
        quiet: false,
        market: o.market ? { evs: o.marketEvs, dishonestShare: o.dishonest, seed: o.seed } : null,
      },
      (line) => console.log(line),
    );
    console.log(formatReport(report));
    process.exitCode = report.agreed ? 0 : 1;
  });

await program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
