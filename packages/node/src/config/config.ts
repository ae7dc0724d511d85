import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Codec, list, struct, text, uint } from '@v2g/core';

/** The daemon's configuration file (JSON). Relative paths are relative to the file. */
export interface NodeConfig {
  readonly name: string;
  readonly dataDir: string;
  readonly keyFile: string;
  readonly genesisFile: string;
  /** libp2p listen multiaddr, e.g. /ip4/127.0.0.1/tcp/7000 */
  readonly listen: string;
  /** Multiaddrs with /p2p/<peer id> of other LEAGs. */
  readonly bootstrap: readonly string[];
  readonly httpHost: string;
  readonly httpPort: number;
  readonly logLevel: string;
  readonly mempoolMaxTxs: number;
  readonly mempoolMaxBytes: number;
  /** Consensus starts once this many other LEAGs are on the consensus topic. */
  readonly minPeers: number;
}

export const nodeConfigCodec: Codec<NodeConfig> = struct<NodeConfig>({
  name: text(64),
  dataDir: text(4096),
  keyFile: text(4096),
  genesisFile: text(4096),
  listen: text(256),
  bootstrap: list(text(512), 256),
  httpHost: text(256),
  httpPort: uint,
  logLevel: text(16, /^(trace|debug|info|warn|error|fatal|silent)$/),
  mempoolMaxTxs: uint,
  mempoolMaxBytes: uint,
  minPeers: uint,
});

export const defaultNodeConfig = {
  httpHost: '127.0.0.1',
  logLevel: 'info',
  mempoolMaxTxs: 10_000,
  mempoolMaxBytes: 64 * 1024 * 1024,
} as const;

export async function loadConfig(path: string): Promise<NodeConfig> {
  const cfg = nodeConfigCodec.fromJson(JSON.parse(await readFile(path, 'utf8')), 'config');
  const base = dirname(resolve(path));
  return {
    ...cfg,
    dataDir: resolve(base, cfg.dataDir),
    keyFile: resolve(base, cfg.keyFile),
    genesisFile: resolve(base, cfg.genesisFile),
  };
}
