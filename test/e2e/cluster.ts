import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeClient } from '@v2g/client';
import { type InitializedNetwork, type InitOptions, initNetwork } from '@v2g/node';
import { type DaemonProcess, startDaemon, stopDaemon, waitFor } from '@v2g/testnet';

/** A local network of real daemon processes for end-to-end tests. */
export class Cluster {
  readonly dir: string;
  readonly net: InitializedNetwork;
  readonly clients: NodeClient[];
  private readonly daemons = new Map<number, DaemonProcess>();

  private constructor(dir: string, net: InitializedNetwork) {
    this.dir = dir;
    this.net = net;
    this.clients = net.httpPorts.map((p) => new NodeClient(`http://127.0.0.1:${p}`));
  }

  static async create(o: Omit<InitOptions, 'dir' | 'chainId'>): Promise<Cluster> {
    const dir = await mkdtemp(join(tmpdir(), 'v2g-e2e-'));
    const net = await initNetwork({ ...o, dir, chainId: 'v2g-e2e' });
    return new Cluster(dir, net);
  }

  start(i: number): void {
    this.daemons.set(i, startDaemon(`leag-${i}`, this.net.configPaths[i]!, join(this.dir, `leag-${i}.log`)));
  }

  async stop(i: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const d = this.daemons.get(i);
    if (d) await stopDaemon(d, signal);
  }

  height(i: number): Promise<number> {
    return this.clients[i]!.head().then((h) => h.height);
  }

  async waitForHeight(i: number, height: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(`leag-${i} at height ${height}`, timeoutMs, async () =>
      (await this.height(i)) >= height ? true : undefined,
    );
  }

  async blockHashAt(i: number, height: number): Promise<string> {
    return (await this.clients[i]!.request<{ hash: string }>('GET', `/v1/blocks/${height}`)).hash;
  }

  /** The value of one Prometheus sample line (name with labels as printed), or 0. */
  async metric(i: number, sample: RegExp): Promise<number> {
    const res = await fetch(`${this.clients[i]!.baseUrl}/metrics`);
    const text = await res.text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('#')) continue;
      const [name, value] = [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)];
      if (sample.test(name)) total += Number(value);
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all([...this.daemons.keys()].map((i) => this.stop(i)));
    if (process.env.V2G_KEEP_E2E) return;
    await rm(this.dir, { recursive: true, force: true });
  }
}
