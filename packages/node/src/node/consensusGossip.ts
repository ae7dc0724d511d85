import {
  type ChainExecutor,
  type Committee,
  ConsensusKeys,
  type ConsensusMessage,
  committeeCodec,
  decodeConsensusMessage,
  leaderOf,
  memberIndex,
  proposalSigningPayload,
  type VoteVerifier,
  verifyCertificate,
} from '@v2g/consensus';
import { blockHash, bytesEqual, type Genesis, StateView, verifySignature } from '@v2g/core';
import { ACCEPT, type GossipVerdict, ignore, reject } from '../network/verdict.ts';

/** Heights below the head whose votes still matter (late commit votes for the last block). */
const HEIGHTS_BEHIND = 1;

export interface ConsensusGossipComponents {
  readonly genesis: Genesis;
  readonly executor: ChainExecutor;
  readonly verifyVote: VoteVerifier;
  /** A signer showed a later height than ours: blocks up to `height − 1` exist. */
  readonly ahead: (signer: Uint8Array, height: number) => void;
}

/**
 * Validation of consensus messages (Lodestar's gossip handlers): each is
 * decoded once, then checked for what can be checked before the engine
 * sees it, so an invalid message is neither relayed nor handled and its
 * sender is penalised: the height window, the signer's membership in the
 * committee of that height, and the signature (through the shared cached
 * verifier, so the engine's own check costs nothing). A decoded message is
 * kept for the handler that receives the same bytes.
 */
export class ConsensusGossip {
  private readonly c: ConsensusGossipComponents;
  private readonly decoded = new WeakMap<Uint8Array, ConsensusMessage>();

  constructor(components: ConsensusGossipComponents) {
    this.c = components;
  }

  /** The verdict for bytes from the consensus topic or the direct channel. */
  validate(bytes: Uint8Array): GossipVerdict {
    let m: ConsensusMessage;
    try {
      m = decodeConsensusMessage(bytes);
    } catch (err) {
      return reject(err instanceof Error ? err.message : 'malformed');
    }
    const verdict = this.check(m);
    if (verdict.result === 'accept') this.decoded.set(bytes, m);
    return verdict;
  }

  /** The message `validate` accepted for these bytes (decoded again only if it was evicted). */
  message(bytes: Uint8Array): ConsensusMessage {
    return this.decoded.get(bytes) ?? decodeConsensusMessage(bytes);
  }

  private check(m: ConsensusMessage): GossipVerdict {
    const head = this.c.executor.height;
    const height =
      m.kind === 'vote' ? m.vote.height : m.kind === 'proposal' ? m.height : m.block.header.height;
    const signer = m.kind === 'vote' ? m.vote.voter : m.kind === 'proposal' ? m.proposer : null;
    if (height <= head - HEIGHTS_BEHIND || height === 0) return ignore('stale');
    if (height > head + 1) {
      // Not checkable against a committee we do not know yet; it tells us to sync.
      if (signer !== null) this.c.ahead(signer, height);
      return ignore('ahead');
    }
    const committee = this.committeeAt(height);
    if (committee === null) return ignore('no-committee');
    const chainId = this.c.genesis.chainId;
    switch (m.kind) {
      case 'vote': {
        if (memberIndex(committee, m.vote.voter) < 0) return reject('not-in-committee');
        if (!this.c.verifyVote(chainId, m.vote)) return reject('bad-signature');
        return ACCEPT;
      }
      case 'proposal': {
        // A proposal is only of use for the height being decided; its leader follows the rotation.
        if (height !== this.c.executor.height + 1) return ignore('stale');
        const rotation = this.c.executor.leaderRotation();
        const leader = leaderOf(
          committee,
          height,
          m.round + rotation,
          this.c.genesis.params.consensus.leaderPolicy,
        );
        if (!bytesEqual(leader.publicKey, m.proposer)) return reject('not-the-leader');
        const payload = proposalSigningPayload(chainId, { ...m, blockHash: blockHash(m.block.header) });
        if (!verifySignature(m.signature, payload, m.proposer)) return reject('bad-signature');
        return ACCEPT;
      }
      case 'decision': {
        const check = verifyCertificate(m.certificate, committee, chainId, this.c.verifyVote);
        if (!check.ok) return reject('invalid-certificate');
        if (!bytesEqual(m.certificate.blockHash, blockHash(m.block.header)))
          return reject('certificate-mismatch');
        return ACCEPT;
      }
    }
  }

  /** The committee of `height`: computed for the next height, recorded in state for earlier ones. */
  private committeeAt(height: number): Committee | null {
    if (height === this.c.executor.height + 1) {
      const s = this.c.executor.committee();
      return s.ok ? s.committee : null;
    }
    return new StateView(this.c.executor.state).read(committeeCodec, ConsensusKeys.committee(height)) ?? null;
  }
}
