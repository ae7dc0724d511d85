import { TopicValidatorResult } from '@libp2p/interface';

/**
 * The daemon's judgement of a gossip message. The rules live in core and
 * consensus; the network only translates. `reason` is a short stable code
 * (e.g. `bad-signature`): it becomes a metric label.
 * - accept: valid, deliver and forward;
 * - ignore: not harmful but not useful (duplicate, stale, not yet checkable);
 *   dropped without penalising the sender;
 * - reject: provably invalid; dropped and the sender is penalised.
 */
export type GossipVerdict =
  | { readonly result: 'accept' }
  | { readonly result: 'ignore'; readonly reason: string }
  | { readonly result: 'reject'; readonly reason: string };

export const ACCEPT: GossipVerdict = { result: 'accept' };

export function ignore(reason: string): GossipVerdict {
  return { result: 'ignore', reason };
}

export function reject(reason: string): GossipVerdict {
  return { result: 'reject', reason };
}

export function toTopicValidatorResult(verdict: GossipVerdict): TopicValidatorResult {
  switch (verdict.result) {
    case 'accept':
      return TopicValidatorResult.Accept;
    case 'ignore':
      return TopicValidatorResult.Ignore;
    case 'reject':
      return TopicValidatorResult.Reject;
  }
}
