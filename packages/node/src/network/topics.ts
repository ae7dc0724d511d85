import { MAX_BLOCK_BYTES } from '@v2g/core';

/** The three gossip channels of DESIGN §8. */
export const TOPIC_KINDS = ['tx', 'consensus', 'block'] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

export function gossipTopic(chainId: string, kind: TopicKind): string {
  return `/v2g/${chainId}/${kind}/1`;
}

export function syncProtocol(chainId: string): string {
  return `/v2g/${chainId}/sync/1`;
}

export function directProtocol(chainId: string): string {
  return `/v2g/${chainId}/direct/1`;
}

export function peersProtocol(chainId: string): string {
  return `/v2g/${chainId}/peers/1`;
}

/** Upper bound on a block's certificate and framing around it (256 signers of ~100 bytes each). */
const CERTIFICATE_HEADROOM = 64 * 1024;

/**
 * Largest payload accepted on each topic; anything bigger is rejected before
 * the daemon's validator sees it. A consensus proposal may carry a whole
 * block, so it gets the block limit.
 */
export const DEFAULT_TOPIC_LIMITS: Readonly<Record<TopicKind, number>> = {
  tx: 1024 * 1024,
  consensus: MAX_BLOCK_BYTES + CERTIFICATE_HEADROOM,
  block: MAX_BLOCK_BYTES + CERTIFICATE_HEADROOM,
};
