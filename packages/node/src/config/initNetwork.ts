import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  type Genesis,
  generateKeyPair,
  genesisCodec,
  type KeyPair,
  type LeaderPolicy,
  validateGenesis,
} from '@v2g/core';
import { peerIdFromLeagKey } from '../network/peerIdentity.ts';
import { defaultNodeConfig, type NodeConfig, nodeConfigCodec } from './config.ts';
import { writeKeyFile } from './keyFile.ts';

export interface InitOptions {
  readonly dir: string;
  readonly leags: number;
  readonly chainId: string;
  readonly p2pBasePort: number;
  readonly httpBasePort: number;
  readonly committeeSize: number;
  readonly windowBlocks: number;
  readonly blockIntervalMs: number;
  /** Genesis reputation per LEAG in ppm (default 500,000 each). */
  readonly reputations?: readonly number[];
  readonly leaderPolicy?: LeaderPolicy;
}

export interface InitializedNetwork {
  readonly genesis: Genesis;
  readonly ra: KeyPair;
  readonly grid: KeyPair;
  readonly leagKeys: readonly KeyPair[];
  readonly configPaths: readonly string[];
  readonly httpPorts: readonly number[];
}

/**
 * Writes everything a local network of N LEAGs needs into `dir`: keys
 * (LEAGs, RA, grid operator), genesis.json, and one config per LEAG whose
 * bootstrap list names every other LEAG.
 */
export async function initNetwork(o: InitOptions): Promise<InitializedNetwork> {
  await mkdir(o.dir, { recursive: true });
  const ra = generateKeyPair();
  const grid = generateKeyPair();
  const leagKeys = Array.from({ length: o.leags }, () => generateKeyPair());
  const genesis: Genesis = {
    chainId: o.chainId,
    genesisTime: Date.now(),
    raKey: ra.publicKey,
    gridOperatorKey: grid.publicKey,
    leags: leagKeys.map((k, i) => ({
      publicKey: k.publicKey,
      name: `leag-${i}`,
      reputationPpm: o.reputations?.[i] ?? 500_000,
    })),
    params: {
      consensus: {
        ...defaultConsensusParams,
        committeeSize: o.committeeSize,
        blockIntervalMs: o.blockIntervalMs,
        leaderPolicy: o.leaderPolicy ?? defaultConsensusParams.leaderPolicy,
      },
      market: { ...defaultMarketParams, windowBlocks: o.windowBlocks },
      evReputation: defaultEvReputationParams,
    },
    allocations: [],
  };
  validateGenesis(genesis);
  await writeFile(join(o.dir, 'genesis.json'), `${JSON.stringify(genesisCodec.toJson(genesis), null, 2)}\n`);
  await writeKeyFile(join(o.dir, 'ra.key'), ra);
  await writeKeyFile(join(o.dir, 'grid.key'), grid);
  const peerIds = leagKeys.map((k) => peerIdFromLeagKey(k.publicKey).toString());
  const configPaths: string[] = [];
  const httpPorts: number[] = [];
  for (let i = 0; i < o.leags; i++) {
    const name = `leag-${i}`;
    await writeKeyFile(join(o.dir, `${name}.key`), leagKeys[i]!);
    const config: NodeConfig = {
      ...defaultNodeConfig,
      name,
      dataDir: `data/${name}`,
      keyFile: `${name}.key`,
      genesisFile: 'genesis.json',
      listen: `/ip4/127.0.0.1/tcp/${o.p2pBasePort + i}`,
      bootstrap: peerIds.flatMap((id, j) =>
        j === i ? [] : [`/ip4/127.0.0.1/tcp/${o.p2pBasePort + j}/p2p/${id}`],
      ),
      httpPort: o.httpBasePort + i,
      minPeers: Math.min(o.leags - 1, 1),
    };
    const path = join(o.dir, `${name}.json`);
    await writeFile(path, `${JSON.stringify(nodeConfigCodec.toJson(config), null, 2)}\n`);
    configPaths.push(path);
    httpPorts.push(config.httpPort);
  }
  return { genesis, ra, grid, leagKeys, configPaths, httpPorts };
}
