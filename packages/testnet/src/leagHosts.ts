import { readFile, writeFile } from 'node:fs/promises';
import { peerIdFromLeagKey } from '@v2g/node';
import { acquirePidLock, releasePidLock } from './pidLock.ts';

/**
 * LEAGs placed on hosts by the chaos harness's host code
 * (packages/chaos/src/hosts.ts, decision 0016): each in its own network
 * namespace with its own address behind a delaying relay, or all on
 * loopback. The chaos package depends on this one, so the module is loaded
 * at run time by path; `packages/chaos/test/leagHosts.types.test.ts` checks
 * that its `Hosts` still fits the interface below.
 */
export const HOSTS_MODULE = new URL('../../chaos/src/hosts.ts', import.meta.url).href;
export const NETNS_MODULE = new URL('../../chaos/src/netns.ts', import.meta.url).href;

export type HostMode = 'netns' | 'loopback';

/** The network fields of a LEAG config on its host. */
export interface LeagNetwork {
  readonly listen: string;
  readonly bootstrap: readonly string[];
  readonly httpHost: string;
  readonly httpPort: number;
}

/** What the testnet and the bench use of the chaos harness's `Hosts`. */
export interface LeagHosts {
  readonly mode: HostMode;
  readonly fallbackReason: string | null;
  apiUrl(i: number): string;
  network(i: number, peerIds: readonly string[]): LeagNetwork;
  command(i: number, argv: readonly string[]): { cmd: string; args: string[] };
  applyFaults(f: { partition: null; loss: number; latencyMs: number }): Promise<void>;
  close(): Promise<void>;
}

export interface HostsModule {
  createHosts(
    leags: number,
    o: { loopback: boolean; basePort: number; net?: { prefix: string; subnet: string } },
  ): Promise<LeagHosts>;
}
export interface NetnsModule {
  removeTopologySync(net: { prefix: string; subnet: string }): string[];
}

/** Our own names and subnet, apart from a chaos run's (v2gchaos, 10.77.0), so both can run at once. */
export const SCALE_NET = { prefix: 'v2gscale', subnet: '10.78.0' } as const;
const LOCK_PATH = '/tmp/v2g-scale-hosts.lock';

export interface HostsOptions {
  readonly mode: HostMode;
  readonly leags: number;
  /** Added one way to every link between two LEAGs (netns only). */
  readonly latencyMs: number;
  /** First libp2p port on loopback (HTTP ports start 1000 higher). */
  readonly basePort: number;
}

/**
 * Opens the hosts for a run and applies the latency. Namespaces are removed
 * on close, and on SIGINT, SIGTERM or exit if the run never gets there; a
 * run first removes what a killed run left. `netns` that cannot be had
 * (not root, no `ip`) is an error, not a silent fallback.
 */
export async function openLeagHosts(o: HostsOptions): Promise<LeagHosts> {
  if (o.mode === 'loopback' && o.latencyMs > 0)
    throw new Error('latency between hosts needs --hosts netns (loopback has one host)');
  const { createHosts } = (await import(HOSTS_MODULE)) as HostsModule;
  if (o.mode === 'loopback') return createHosts(o.leags, { loopback: true, basePort: o.basePort });
  const { removeTopologySync } = (await import(NETNS_MODULE)) as NetnsModule;
  acquireLock();
  removeTopologySync(SCALE_NET);
  const cleanUp = () => {
    removeTopologySync(SCALE_NET);
    releaseLock();
  };
  // Ctrl-C stops the run at once: the daemons die with their namespaces.
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', cleanUp);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let hosts: LeagHosts;
  try {
    hosts = await createHosts(o.leags, { loopback: false, basePort: o.basePort, net: SCALE_NET });
    if (hosts.mode !== 'netns') throw new Error(`network namespaces unavailable: ${hosts.fallbackReason}`);
    if (o.latencyMs > 0) await hosts.applyFaults({ partition: null, loss: 0, latencyMs: o.latencyMs });
  } catch (err) {
    cleanUp();
    throw err;
  }
  const close = hosts.close.bind(hosts);
  return Object.assign(hosts, {
    close: async () => {
      await close();
      cleanUp();
      process.off('exit', cleanUp);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  });
}

/** Points each LEAG config `v2g init` wrote at its host: listen, bootstrap (every other LEAG), HTTP. */
export async function placeConfigs(
  hosts: LeagHosts,
  configPaths: readonly string[],
  leagKeys: readonly { publicKey: Uint8Array }[],
): Promise<void> {
  const peerIds = leagKeys.map((k) => peerIdFromLeagKey(k.publicKey).toString());
  for (const [i, path] of configPaths.entries()) {
    const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, `${JSON.stringify({ ...config, ...hosts.network(i, peerIds) }, null, 2)}\n`);
  }
}

/** A short description for reports: `netns, 50 ms` or `loopback`. */
export function describeHosts(hosts: LeagHosts, latencyMs: number): string {
  return hosts.mode === 'netns' ? `netns, ${latencyMs} ms between hosts` : 'loopback';
}

function acquireLock(): void {
  acquirePidLock(LOCK_PATH, 'run on the scale hosts');
}

function releaseLock(): void {
  releasePidLock(LOCK_PATH);
}
