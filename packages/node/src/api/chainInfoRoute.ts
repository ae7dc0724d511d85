import { genesisCodec, genesisHash, toHex } from '@v2g/core';
import { peerIdFromLeagKey } from '../network/peerIdentity.ts';
import type { ChainStore } from '../storage/chainStore.ts';
import type { ApiApp } from './apiApp.ts';

/**
 * `GET /v1/chain`: what a client needs to build transactions for this chain
 * without being told by hand — the chain id every transaction names, the
 * market window length deposits and orders are counted in, the genesis LEAGs
 * by name — and the genesis parameters as the genesis file states them.
 * Before it, every CLI command took `--chain-id` and `--window-blocks`, and a
 * wrong guess came back as a misleading `window-closed`.
 */
export function registerChainInfoRoute(app: ApiApp, c: { readonly chain: ChainStore }): void {
  const genesis = c.chain.genesis;
  const json = genesisCodec.toJson(genesis) as { params: unknown };
  const body = {
    chainId: genesis.chainId,
    genesisHash: toHex(genesisHash(genesis)),
    genesisTime: genesis.genesisTime,
    raKey: toHex(genesis.raKey),
    gridOperatorKey: toHex(genesis.gridOperatorKey),
    blockIntervalMs: genesis.params.consensus.blockIntervalMs,
    windowBlocks: genesis.params.market.windowBlocks,
    settlementWindows: genesis.params.market.settlementWindows,
    // The peer id is what a bootstrap address ends with: /ip4/<host>/tcp/<port>/p2p/<peerId>.
    leags: genesis.leags.map((l) => ({
      name: l.name,
      publicKey: toHex(l.publicKey),
      peerId: peerIdFromLeagKey(l.publicKey).toString(),
    })),
    params: json.params,
  };
  app.get('/v1/chain', async () => body);
}
