import { CodedError } from '@v2g/core';

/**
 * Why a network operation failed. Codes are stable: the daemon switches on
 * them and metrics count them.
 */
export type NetworkErrorType =
  | { code: 'not-started' }
  | { code: 'message-too-large'; topic: string; size: number; limit: number }
  | { code: 'topic-peers-timeout'; topic: string; have: number; want: number; timeoutMs: number }
  | { code: 'bad-multiaddr'; multiaddr: string; reason: string }
  | { code: 'bad-sync-range'; from: number; to: number; reason: string }
  | { code: 'sync-timeout'; peer: string; timeoutMs: number }
  | { code: 'sync-refused'; peer: string; reason: string }
  | { code: 'sync-bad-response'; peer: string; reason: string }
  | { code: 'sync-failed'; peer: string; reason: string }
  | { code: 'bad-p2p-options'; field: string; reason: string }
  | { code: 'stopped' };

export class NetworkError extends CodedError<NetworkErrorType> {}
