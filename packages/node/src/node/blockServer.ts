import { sha256, utf8 } from '@v2g/core';
import { encodeCertifiedBlock } from '../chain/certifiedBlock.ts';
import type { BlockSource } from '../network/blockSync.ts';
import type { ChainStore } from '../storage/chainStore.ts';

/**
 * What this LEAG serves to block sync: its certified blocks from `from` to
 * `to` (a prefix of the range). `forged` is the test-only Byzantine sync
 * server: headers changed, so the certificates no longer match them.
 */
export function blockServer(chain: ChainStore, forged: boolean): BlockSource {
  return {
    async serveBlocks(from, to) {
      const out: Uint8Array[] = [];
      for (let h = from; h <= Math.min(to, chain.head.height); h++) {
        const block = await chain.decodedBlockAt(h);
        const certificate = await chain.certificateAt(h);
        if (!block || !certificate) break;
        const served = forged
          ? { ...block, header: { ...block.header, stateRoot: sha256(utf8(`forged-${h}`)) } }
          : block;
        out.push(encodeCertifiedBlock({ block: served, certificate }));
      }
      return out;
    },
  };
}
