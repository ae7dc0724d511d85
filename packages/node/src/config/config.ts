import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Codec, list, struct, text, uint } from '@v2g/core';
import { parseJsonc } from './jsonc.ts';
import { type P2pSettings, p2pSettingsCodec } from './p2pConfig.ts';

/** The daemon's configuration file (JSON, comments allowed). Relative paths are relative to the file. */
export interface NodeConfig extends NodeLimits {
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
  /** Connection limits, gossipsub mesh and scoring, discovery (any subset; see network/p2pOptions.ts). */
  readonly p2p: P2pSettings;
  /**
   * TEST ONLY: make this LEAG Byzantine (`equivocate-leader`, `equivocate-voter`,
   * `withhold`, `forge-sync`) for the chaos harness; `honest` otherwise. A
   * LEAG refuses to start with anything but `honest` on a chain whose id
   * does not say it is a test network (see node/testBehaviour.ts).
   */
  readonly testOnlyBehaviour: string;
}

/**
 * Bounds on what clients can hold and when the LEAG calls itself unhealthy.
 * Every field may be left out of the file: configs written before they existed
 * stay valid and get the defaults (`defaultNodeLimits`). A client is one remote
 * IP address.
 */
export interface NodeLimits {
  /** Open HTTP connections in all; beyond it new connections are dropped unanswered. */
  readonly apiMaxConnections: number;
  /** Open HTTP connections per client; beyond it requests get 429 `too-many-connections`. */
  readonly apiMaxConnectionsPerClient: number;
  /** Event-stream (`GET /v1/events`) subscribers in all; beyond it 429 `too-many-streams`. */
  readonly apiMaxStreams: number;
  /** Event-stream subscribers per client; beyond it 429 `too-many-streams`. */
  readonly apiMaxStreamsPerClient: number;
  /** Requests per second per client, refilled continuously; beyond it 429 `rate-limited`. */
  readonly apiRatePerSecond: number;
  /** Requests a client may send at once after being idle (the token bucket's size). */
  readonly apiRateBurst: number;
  /** Bytes of events queued for one subscriber that does not read; beyond it the stream is closed. */
  readonly apiStreamBufferBytes: number;
  /** Block intervals without a new block before health reports `stalled` (never less than 10 s). */
  readonly healthStallBlocks: number;
  /** The memory the LEAG may use (RSS, MiB); health reports `memory-high` at 90 % of it. */
  readonly memoryCeilingMb: number;
}

export const defaultNodeLimits: NodeLimits = {
  apiMaxConnections: 1024,
  apiMaxConnectionsPerClient: 64,
  apiMaxStreams: 256,
  apiMaxStreamsPerClient: 8,
  apiRatePerSecond: 200,
  apiRateBurst: 400,
  apiStreamBufferBytes: 1024 * 1024,
  healthStallBlocks: 10,
  memoryCeilingMb: 1024,
};

/** A limit of 0 would refuse everything; a bound is at least 1. */
const positive: Codec<number> = {
  ...uint,
  fromJson: (c, path) => {
    const n = uint.fromJson(c, path);
    if (n < 1) throw new RangeError(`${path}: must be at least 1`);
    return n;
  },
};

const fullConfigCodec: Codec<NodeConfig> = struct<NodeConfig>({
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
  p2p: p2pSettingsCodec,
  testOnlyBehaviour: text(32, /^(honest|equivocate-leader|equivocate-voter|withhold|forge-sync)$/),
  apiMaxConnections: positive,
  apiMaxConnectionsPerClient: positive,
  apiMaxStreams: positive,
  apiMaxStreamsPerClient: positive,
  apiRatePerSecond: positive,
  apiRateBurst: positive,
  apiStreamBufferBytes: positive,
  healthStallBlocks: positive,
  memoryCeilingMb: positive,
});

/**
 * The config file's JSON form: only name, dataDir, keyFile, genesisFile,
 * listen and httpPort are required; every other field may be absent and takes
 * its default (`defaultNodeConfig`, no bootstrap peers, minPeers 1). Unknown
 * fields are refused.
 */
export const nodeConfigCodec: Codec<NodeConfig> = {
  ...fullConfigCodec,
  fromJson: (c, path) =>
    fullConfigCodec.fromJson(
      typeof c === 'object' && c !== null && !Array.isArray(c)
        ? { ...defaultNodeConfig, bootstrap: [], minPeers: 1, ...c }
        : c,
      path,
    ),
};

export const defaultNodeConfig = {
  httpHost: '127.0.0.1',
  logLevel: 'info',
  mempoolMaxTxs: 10_000,
  mempoolMaxBytes: 64 * 1024 * 1024,
  p2p: {},
  testOnlyBehaviour: 'honest',
  ...defaultNodeLimits,
} as const;

export async function loadConfig(path: string): Promise<NodeConfig> {
  // Comments are allowed (configs/leag.example.jsonc is annotated).
  const cfg = nodeConfigCodec.fromJson(parseJsonc(await readFile(path, 'utf8')), 'config');
  const base = dirname(resolve(path));
  return {
    ...cfg,
    dataDir: resolve(base, cfg.dataDir),
    keyFile: resolve(base, cfg.keyFile),
    genesisFile: resolve(base, cfg.genesisFile),
  };
}
