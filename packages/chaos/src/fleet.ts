import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Genesis, genesisFromJson, type KeyPair } from '@v2g/core';
import { CLI_PATH, readKeyFile, testBehaviour } from '@v2g/node';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '@v2g/testnet';
import type { Hosts } from './hosts.ts';
import { powerCut } from './powerCut.ts';
import { sh } from './sh.ts';

/** Where libfaketime may be installed (Debian's `faketime` package and others). */
const FAKETIME_LIBS = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/lib64/faketime/libfaketime.so.1',
];
const INIT_P2P_PORT = 7100;
/**
 * util-linux's setpriv: each daemon gets SIGKILL when the harness dies, even
 * of a SIGKILL no handler sees (a CI timeout), so no daemon outlives a run.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

/** The daemon's test-only `testOnlyBehaviour` settings, but `honest` (packages/node/src/config/config.ts). */
export const BYZANTINE_MODES = ['equivocate-leader', 'equivocate-voter', 'withhold', 'forge-sync'] as const;
export type ByzantineMode = (typeof BYZANTINE_MODES)[number];

export interface ByzantineLeag {
  readonly leag: number;
  readonly mode: ByzantineMode;
}

/** The chain id of every chaos network: `chaos` as a dash-separated word, so the daemon allows Byzantine LEAGs. */
export const CHAOS_CHAIN_ID = 'v2g-chaos';

export interface FleetKeys {
  readonly genesis: Genesis;
  readonly ra: KeyPair;
  readonly grid: KeyPair;
  readonly leagKeys: readonly KeyPair[];
}

interface Daemon {
  child: ChildProcess | null;
  exited: Promise<void>;
  skewSec: number;
  /** Set when the harness signals it: any other exit is a crash. */
  stopping: boolean;
}

export interface Crash {
  readonly leag: number;
  readonly atMs: number;
  readonly code: number | null;
  readonly signal: string | null;
}

/**
 * The LEAG daemons of one run, treated as black boxes: made by `v2g init`,
 * started with `v2g start` on their hosts, stopped by signals to the node
 * process itself, and reached only over HTTP.
 */
export class Fleet {
  readonly dir: string;
  readonly size: number;
  readonly keys: FleetKeys;
  readonly faketime: string | null;
  /** Exits the harness did not cause. */
  readonly crashes: Crash[] = [];
  private readonly hosts: Hosts;
  private readonly configPaths: string[];
  private readonly dataDirs: string[];
  private readonly daemons: Daemon[];

  private constructor(dir: string, hosts: Hosts, keys: FleetKeys, configPaths: string[], dataDirs: string[]) {
    this.dir = dir;
    this.hosts = hosts;
    this.keys = keys;
    this.size = configPaths.length;
    this.configPaths = configPaths;
    this.dataDirs = dataDirs;
    this.daemons = configPaths.map(() => ({
      child: null,
      exited: Promise.resolve(),
      skewSec: 0,
      stopping: false,
    }));
    this.faketime = FAKETIME_LIBS.find((p) => existsSync(p)) ?? null;
  }

  /**
   * `v2g init` for `leags` LEAGs in `dir`, then each config pointed at its
   * host, and the Byzantine ones given their test-only behaviour.
   */
  static async init(
    dir: string,
    leags: number,
    hosts: Hosts,
    blockIntervalMs: number,
    windowBlocks: number,
    byzantine: readonly ByzantineLeag[] = [],
  ): Promise<Fleet> {
    // The daemon's own rule, checked before any daemon starts: it refuses the setting on a chain not named as a test.
    for (const b of byzantine) testBehaviour(b.mode, CHAOS_CHAIN_ID);
    await sh(process.execPath, [
      CLI_PATH,
      'init',
      '--dir',
      dir,
      '--leags',
      String(leags),
      '--chain-id',
      CHAOS_CHAIN_ID,
      '--p2p-port',
      String(INIT_P2P_PORT),
      '--block-interval',
      String(blockIntervalMs),
      '--window-blocks',
      String(windowBlocks),
    ]);
    const configPaths = Array.from({ length: leags }, (_, i) => join(dir, `leag-${i}.json`));
    const configs = await Promise.all(
      configPaths.map(async (p) => JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>),
    );
    const peerIds = peerIdsFromBootstrap(configs);
    const dataDirs: string[] = [];
    for (let i = 0; i < leags; i++) {
      const mode = byzantine.find((b) => b.leag === i)?.mode;
      const config: Record<string, unknown> = {
        ...configs[i],
        ...hosts.network(i, peerIds),
        ...(mode ? { testOnlyBehaviour: mode } : {}),
      };
      await writeFile(configPaths[i]!, `${JSON.stringify(config, null, 2)}\n`);
      dataDirs.push(resolve(dirname(configPaths[i]!), String(config.dataDir)));
    }
    const keys: FleetKeys = {
      genesis: genesisFromJson(JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8'))),
      ra: await readKeyFile(join(dir, 'ra.key')),
      grid: await readKeyFile(join(dir, 'grid.key')),
      leagKeys: await Promise.all(configPaths.map((_, i) => readKeyFile(join(dir, `leag-${i}.key`)))),
    };
    return new Fleet(dir, hosts, keys, configPaths, dataDirs);
  }

  isRunning(i: number): boolean {
    const child = this.daemons[i]!.child;
    return child !== null && child.exitCode === null && child.signalCode === null;
  }

  running(): number[] {
    return this.daemons.flatMap((_, i) => (this.isRunning(i) ? [i] : []));
  }

  skewOf(i: number): number {
    return this.daemons[i]!.skewSec;
  }

  /** Starts LEAG i; a non-zero skew runs its clock that many seconds off (libfaketime). */
  start(i: number, skewSec = 0): void {
    if (this.isRunning(i)) throw new Error(`leag-${i} is already running`);
    if (skewSec !== 0 && !this.faketime) throw new Error('clock skew needs libfaketime');
    const env: NodeJS.ProcessEnv = { ...process.env, ...DAEMON_ENV };
    if (skewSec !== 0) {
      env.LD_PRELOAD = this.faketime!;
      env.FAKETIME = `${skewSec > 0 ? '+' : ''}${skewSec}s`;
      // Only the wall clock moves: timers run on the monotonic clock and stay true.
      env.FAKETIME_DONT_FAKE_MONOTONIC = '1';
    }
    const argv = [
      ...(SETPRIV ? [SETPRIV, '--pdeathsig', 'SIGKILL'] : []),
      process.execPath,
      ...DAEMON_NODE_FLAGS,
      CLI_PATH,
      'start',
      '--config',
      this.configPaths[i]!,
    ];
    const { cmd, args } = this.hosts.command(i, argv);
    const log = createWriteStream(join(this.dir, `leag-${i}.log`), { flags: 'a' });
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const d = this.daemons[i]!;
    d.child = child;
    d.skewSec = skewSec;
    d.stopping = false;
    d.exited = new Promise((r) =>
      child.once('exit', (code, signal) => {
        if (!d.stopping) this.crashes.push({ leag: i, atMs: performance.now(), code, signal });
        r();
      }),
    );
  }

  /** SIGKILL to the daemon's node process; resolves once it is gone. */
  async kill(i: number): Promise<void> {
    const d = this.daemons[i]!;
    if (!this.isRunning(i)) return;
    d.stopping = true;
    d.child!.kill('SIGKILL');
    await d.exited;
  }

  /**
   * A power cut on `leags` at one instant (powerCut.ts): paused, their disks
   * copied as they are, SIGKILLed, the copies put back. LEAGs not running
   * are left alone.
   */
  async powerCut(leags: readonly number[]): Promise<void> {
    const targets = leags.map((i) => ({
      dataDir: this.dataDirs[i]!,
      snapDir: join(this.dir, 'snapshots', `leag-${i}`),
      pid: this.isRunning(i) ? this.daemons[i]!.child!.pid! : null,
    }));
    await powerCut(targets, async () => {
      await Promise.all(leags.map((i) => this.kill(i)));
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.daemons.map(async (d, i) => {
        if (!this.isRunning(i)) return;
        d.stopping = true;
        d.child!.kill('SIGTERM');
        const timer = setTimeout(() => d.child?.kill('SIGKILL'), 5000);
        await d.exited;
        clearTimeout(timer);
      }),
    );
  }

  /** For an exit handler: SIGKILL whatever still runs. */
  killAllSync(): void {
    for (let i = 0; i < this.size; i++) if (this.isRunning(i)) this.daemons[i]!.child!.kill('SIGKILL');
  }
}

/** The peer id of every LEAG, read from the bootstrap lists `v2g init` wrote (ports are INIT_P2P_PORT + index). */
function peerIdsFromBootstrap(configs: readonly Record<string, unknown>[]): string[] {
  const ids: string[] = new Array(configs.length).fill('');
  for (const config of configs) {
    for (const addr of config.bootstrap as string[]) {
      const m = /\/tcp\/([0-9]+)\/p2p\/([^/]+)$/.exec(addr);
      if (m) ids[Number(m[1]) - INIT_P2P_PORT] = m[2]!;
    }
  }
  if (ids.some((id) => id === '')) throw new Error('could not read every peer id from the bootstrap lists');
  return ids;
}
