// The LEAG daemon as a library: what the testnet, the bench, the chaos harness and the end-to-end
// tests use of it. The `v2g` CLI (cli/main.ts) is the daemon's other entry point.

// What the API's event stream (GET /v1/events) sends of each committed block.
export type { BlockEvent } from './api/server.ts';
export { buildDaemonBundle } from './build/buildDaemon.ts';
// How a daemon is run: the CLI's sources or their precompiled bundle (`pnpm build:daemon`).
export { BUNDLE_PATH, bundleStaleness, CLI_PATH, daemonEntry } from './build/daemonBundle.ts';
export { type CertifiedBlock, encodeBlockMessage, encodeCertifiedBlock } from './chain/certifiedBlock.ts';
export { STORE_EXIT_CODE } from './cli/storeCommands.ts';
export { defaultNodeLimits, loadConfig, type NodeConfig, type NodeLimits } from './config/config.ts';
// Configuration: a whole network's genesis, keys and configs (`v2g init`), a LEAG's config and key files.
export { type InitializedNetwork, type InitOptions, initNetwork } from './config/initNetwork.ts';
export { readKeyFile, writeKeyFile } from './config/keyFile.ts';
export { windowsCsv, writeHistory } from './history/historyFiles.ts';
// A LEAG's market history per window (`v2g history`, the testnet's report).
export { collectHistory, type RunHistory, type WindowRow } from './history/windowHistory.ts';
// The network layer and the block messages, for tests that run a LEAG's network in-process.
export { ACCEPT, createNetwork, LeagAllowList, type Network, peerIdFromLeagKey } from './network/index.ts';
// The daemon, composed.
export { createNode, type LeagNode } from './node/createNode.ts';
export type { NodeState } from './node/nodeState.ts';
export { type TestBehaviour, testBehaviour } from './node/testBehaviour.ts';
// Storage, and the exit code of a store that refuses to open (`v2g start`, `v2g store check`).
export { ChainStore } from './storage/chainStore.ts';
