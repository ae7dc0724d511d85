import type { PeerId } from '@libp2p/interface';
import { type ChainExecutor, type VoteVerifier, verifyCertificate } from '@v2g/consensus';
import { blockHash, bytesEqual, type Genesis } from '@v2g/core';
import { blockMessageHeight, type CertifiedBlock, decodeBlockMessage } from '../chain/certifiedBlock.ts';
import type { NodeMetrics } from '../metrics/nodeMetrics.ts';
import { leagKeyFromPeerId } from '../network/peerIdentity.ts';
import { ACCEPT, type GossipVerdict, ignore, reject } from '../network/verdict.ts';

export interface BlockGossipComponents {
  readonly genesis: Genesis;
  readonly executor: ChainExecutor;
  readonly verifyVote: VoteVerifier;
  readonly metrics: NodeMetrics;
  /** A certified block beyond the next height: the sender has blocks we lack. */
  readonly ahead: (sender: Uint8Array, height: number) => void;
}

/**
 * Validation of the block topic. A certified block is relayed only when this
 * LEAG can check it: the next height, with a certificate of more than 2/3
 * of the committee it computes itself (verified once: the vote verifier is
 * shared with the executor). Blocks further ahead are not relayed; they
 * tell us to sync, and sync checks them one by one.
 */
export class BlockGossip {
  private readonly c: BlockGossipComponents;
  private readonly decoded = new WeakMap<Uint8Array, CertifiedBlock>();

  constructor(components: BlockGossipComponents) {
    this.c = components;
  }

  validate(bytes: Uint8Array, from: PeerId): GossipVerdict {
    const head = this.c.executor.height;
    const announced = blockMessageHeight(bytes);
    if (announced !== null && announced <= head) return ignore('stale');
    let certified: CertifiedBlock;
    try {
      certified = decodeBlockMessage(bytes);
    } catch (err) {
      this.c.metrics.blocksRejected.inc({ source: 'gossip', code: 'malformed' });
      return reject(err instanceof Error ? err.message : 'malformed');
    }
    const { block, certificate } = certified;
    if (block.header.height > head + 1) {
      const sender = leagKeyFromPeerId(from);
      if (sender) this.c.ahead(sender, block.header.height);
      return ignore('ahead');
    }
    const selection = this.c.executor.committee();
    if (!selection.ok) return ignore('no-committee');
    const check = verifyCertificate(
      certificate,
      selection.committee,
      this.c.genesis.chainId,
      this.c.verifyVote,
    );
    if (!check.ok || !bytesEqual(certificate.blockHash, blockHash(block.header))) {
      this.c.metrics.blocksRejected.inc({ source: 'gossip', code: 'invalid-certificate' });
      return reject(check.ok ? 'certificate-mismatch' : check.reason);
    }
    this.decoded.set(bytes, certified);
    return ACCEPT;
  }

  block(bytes: Uint8Array): CertifiedBlock {
    return this.decoded.get(bytes) ?? decodeBlockMessage(bytes);
  }
}
