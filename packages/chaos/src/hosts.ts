import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  applyRules,
  CHAOS_NET,
  createTopology,
  type HostNet,
  leagAddress,
  namespaceSupport,
  nsName,
  removeTopologySync,
} from './netns.ts';

const RELAY_PATH = fileURLToPath(new URL('./relay.ts', import.meta.url));
/** Inside a namespace every LEAG uses the same ports: the addresses differ. */
const NS_P2P_PORT = 7100;
const NS_RELAY_PORT = 7000;
const NS_HTTP_PORT = 8100;

/** Where a LEAG's daemon listens and whom it dials: the network fields of its config. */
export interface DaemonNetwork {
  readonly listen: string;
  readonly bootstrap: readonly string[];
  readonly httpHost: string;
  readonly httpPort: number;
}

export interface NetworkFaults {
  /** Groups of LEAG indices that cannot reach one another; null when healed. */
  readonly partition: readonly (readonly number[])[] | null;
  readonly loss: number;
  readonly latencyMs: number;
}

/** The hosts LEAGs run on and the network faults that can be applied between them. */
export interface Hosts {
  readonly mode: 'netns' | 'loopback';
  /** Why the run is on loopback, when it is. */
  readonly fallbackReason: string | null;
  readonly supportsNetworkFaults: boolean;
  apiUrl(i: number): string;
  network(i: number, peerIds: readonly string[]): DaemonNetwork;
  /** The command that runs `argv` (program first) on host i. */
  command(i: number, argv: readonly string[]): { cmd: string; args: string[] };
  applyFaults(f: NetworkFaults): Promise<void>;
  close(): Promise<void>;
}

/** `net` names the namespaces and subnet (netns.ts); chaos runs use the default. */
export async function createHosts(
  leags: number,
  o: { loopback: boolean; basePort: number; net?: HostNet },
): Promise<Hosts> {
  const reason = o.loopback ? 'asked for with --loopback' : await namespaceSupport();
  if (reason !== null) return new LoopbackHosts(o.basePort, reason);
  return NamespaceHosts.create(leags, o.net ?? CHAOS_NET);
}

/**
 * Every LEAG on 127.0.0.1 with its own ports: crashes, restarts, late starts,
 * clock skew and power cuts still apply; partitions, loss and latency do not.
 */
class LoopbackHosts implements Hosts {
  readonly mode = 'loopback';
  readonly fallbackReason: string;
  readonly supportsNetworkFaults = false;
  private readonly basePort: number;

  constructor(basePort: number, reason: string) {
    this.basePort = basePort;
    this.fallbackReason = reason;
  }

  apiUrl(i: number): string {
    return `http://127.0.0.1:${this.basePort + 1000 + i}`;
  }

  network(i: number, peerIds: readonly string[]): DaemonNetwork {
    return {
      listen: `/ip4/127.0.0.1/tcp/${this.basePort + i}`,
      bootstrap: peerIds.flatMap((id, j) =>
        j === i ? [] : [`/ip4/127.0.0.1/tcp/${this.basePort + j}/p2p/${id}`],
      ),
      httpHost: '127.0.0.1',
      httpPort: this.basePort + 1000 + i,
    };
  }

  command(_i: number, argv: readonly string[]): { cmd: string; args: string[] } {
    return { cmd: argv[0]!, args: argv.slice(1) };
  }

  async applyFaults(): Promise<void> {
    throw new Error('network faults need network namespaces');
  }

  async close(): Promise<void> {}
}

/**
 * One network namespace per LEAG on a shared bridge (netns.ts). The daemon's
 * libp2p port listens on the namespace's loopback only; the LEAG's relay
 * (relay.ts) is the one way in from other LEAGs, so latency applies to every
 * link while iptables in the namespaces still sees each peer's own address.
 */
class NamespaceHosts implements Hosts {
  readonly mode = 'netns';
  readonly fallbackReason = null;
  readonly supportsNetworkFaults = true;
  private readonly leags: number;
  private readonly net: HostNet;
  private readonly relays: ChildProcess[] = [];

  private constructor(leags: number, net: HostNet) {
    this.leags = leags;
    this.net = net;
  }

  static async create(leags: number, net: HostNet): Promise<NamespaceHosts> {
    const hosts = new NamespaceHosts(leags, net);
    try {
      await createTopology(leags, net);
      for (let i = 0; i < leags; i++) hosts.relays.push(await startRelay(i, net));
    } catch (err) {
      await hosts.close();
      throw err;
    }
    return hosts;
  }

  apiUrl(i: number): string {
    return `http://${leagAddress(i, this.net)}:${NS_HTTP_PORT}`;
  }

  network(i: number, peerIds: readonly string[]): DaemonNetwork {
    return {
      listen: `/ip4/127.0.0.1/tcp/${NS_P2P_PORT}`,
      bootstrap: peerIds.flatMap((id, j) =>
        j === i ? [] : [`/ip4/${leagAddress(j, this.net)}/tcp/${NS_RELAY_PORT}/p2p/${id}`],
      ),
      httpHost: leagAddress(i, this.net),
      httpPort: NS_HTTP_PORT,
    };
  }

  command(i: number, argv: readonly string[]): { cmd: string; args: string[] } {
    // `ip netns exec` execs the program: the child's pid is the program's own.
    return { cmd: 'ip', args: ['netns', 'exec', nsName(i, this.net), ...argv] };
  }

  async applyFaults(f: NetworkFaults): Promise<void> {
    const delays: Record<string, number> = {};
    for (let i = 0; i < this.leags; i++) delays[leagAddress(i, this.net)] = f.latencyMs / 2;
    for (const relay of this.relays) relay.stdin?.write(`${JSON.stringify(delays)}\n`);
    await Promise.all(
      Array.from({ length: this.leags }, (_, i) => {
        const rules: string[] = [];
        const group = f.partition?.find((g) => g.includes(i));
        for (let j = 0; j < this.leags; j++) {
          if (j === i) continue;
          const from = `-s ${leagAddress(j, this.net)}`;
          if (group && !group.includes(j)) rules.push(`${from} -j DROP`);
          else if (f.loss > 0)
            rules.push(`${from} -m statistic --mode random --probability ${f.loss} -j DROP`);
        }
        return applyRules(i, rules, this.net);
      }),
    );
  }

  async close(): Promise<void> {
    for (const relay of this.relays) relay.stdin?.end();
    removeTopologySync(this.net);
  }
}

async function startRelay(i: number, net: HostNet): Promise<ChildProcess> {
  const addr = leagAddress(i, net);
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      nsName(i, net),
      process.execPath,
      RELAY_PATH,
      '--listen',
      `${addr}:${NS_RELAY_PORT}`,
      '--target',
      `127.0.0.1:${NS_P2P_PORT}`,
      '--self',
      addr,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`relay of leag-${i} exited with ${code}`)));
  });
  return child;
}
