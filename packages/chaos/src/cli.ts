#!/usr/bin/env node
/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BYZANTINE_MODES, type ByzantineLeag, type ByzantineMode } from './fleet.ts';
import { acquireLock, releaseLock } from './lock.ts';
import { removeTopologySync } from './netns.ts';
import { formatReport } from './report.ts';
import { type ChaosOptions, runChaos } from './run.ts';
import { FAULT_KINDS, type FaultKind } from './schedule.ts';

const USAGE = `pnpm chaos [--quick] [--duration s] [--seed n] [--leags n] [--rate tx/s] [--orders n/s] [--json file]
           [--dir dir] [--keep] [--loopback] [--port p] [--drain s] [--without kind,...]
           [--byzantine i:mode,...]

  --quick        under 3 minutes: seed 1, 5 LEAGs of which leag-4 is an equivocating voter
                 (unless --byzantine says otherwise), every fault kind once (but the long outage)
  --duration s   the soak: faults for s seconds (default 300)
  --seed n       replays the same schedule and load (default 1)
  --rate         signed transfers offered per second (default 20)
  --orders       market orders (sell and buy, registered EVs, 20 s windows) per second (default 4)
  --loopback     no network namespaces, even where they could be made
  --without      fault kinds to leave out, e.g. power-cut-all (kinds: ${FAULT_KINDS.join(', ')})
  --cleanup      only remove what a killed run left (namespaces, the processes in them, the lock), then exit
  --byzantine    LEAG i runs with the daemon's test-only testOnlyBehaviour, e.g. 3:equivocate-leader
                 (modes: ${BYZANTINE_MODES.join(', ')}); --byzantine none for none`;

/** --quick: one equivocating voter among five, caught within seconds of its first vote. */
const QUICK_LEAGS = 5;
const QUICK_BYZANTINE: readonly ByzantineLeag[] = [{ leag: 4, mode: 'equivocate-voter' }];

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} expects a non-negative integer`);
  return n;
}

function byzantine(value: string, leags: number): ByzantineLeag[] {
  if (value === 'none') return [];
  const list = value.split(',').map((part) => {
    const [i, mode] = part.split(':');
    const leag = Number(i);
    if (
      !Number.isSafeInteger(leag) ||
      leag < 0 ||
      leag >= leags ||
      !BYZANTINE_MODES.includes(mode as ByzantineMode)
    ) {
      throw new Error(
        `--byzantine expects i:mode with i < ${leags} and mode one of ${BYZANTINE_MODES.join(', ')}`,
      );
    }
    return { leag, mode: mode as ByzantineMode };
  });
  if (new Set(list.map((b) => b.leag)).size < list.length) throw new Error('--byzantine names a LEAG twice');
  return list;
}

function without(value: string | undefined): FaultKind[] {
  const kinds = value ? value.split(',') : [];
  for (const k of kinds) {
    if (!FAULT_KINDS.includes(k as FaultKind)) throw new Error(`--without: unknown fault kind ${k}`);
  }
  return kinds as FaultKind[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      seed: { type: 'string' },
      leags: { type: 'string' },
      rate: { type: 'string' },
      orders: { type: 'string' },
      json: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      loopback: { type: 'boolean', default: false },
      port: { type: 'string' },
      drain: { type: 'string' },
      byzantine: { type: 'string' },
      without: { type: 'string' },
      cleanup: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.cleanup) {
    // Refuses while another run holds the lock: its namespaces are in use.
    acquireLock();
    const removed = removeTopologySync();
    releaseLock();
    console.log(`chaos: ${removed.length > 0 ? `removed ${removed.join(', ')}` : 'nothing to remove'}`);
    return 0;
  }
  const quick = values.quick;
  const leags = quick ? QUICK_LEAGS : int('leags', values.leags, 4);
  const options: ChaosOptions = {
    quick,
    seed: quick ? 1 : int('seed', values.seed, 1),
    durationSec: quick ? 0 : int('duration', values.duration, 300),
    leags,
    rate: int('rate', values.rate, 20),
    orderRate: int('orders', values.orders, 4),
    loopback: values.loopback,
    basePort: int('port', values.port, 27100),
    dir: values.dir ? resolve(values.dir) : null,
    keep: values.keep,
    drainSec: int('drain', values.drain, quick ? 10 : 60),
    recoveryBoundMs: 10_000,
    byzantine:
      values.byzantine !== undefined ? byzantine(values.byzantine, leags) : quick ? QUICK_BYZANTINE : [],
    without: without(values.without),
  };
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    console.log(`chaos: ${sig}: stopping, removing namespaces${signals > 1 ? ' now' : ''}`);
    abort.abort();
    process.exitCode = 130;
    // A second signal does not wait: the exit handler still kills the daemons and removes the namespaces.
    if (signals > 1) process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const report = await runChaos(options, abort.signal, (line) => console.log(line));
  console.log(formatReport(report));
  if (values.json) await writeFile(resolve(values.json), `${JSON.stringify(report, null, 2)}\n`);
  if (abort.signal.aborted) return 130;
  return report.passed ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (process.exitCode === 130) return;
    console.error(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 2;
  },
);
