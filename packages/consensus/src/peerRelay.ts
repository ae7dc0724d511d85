import { bytesEqual, toHex } from '@v2g/core';
import type { EngineAction } from './interface.ts';
import { type RoundState, tooFarAhead } from './roundState.ts';
import { memberIndex } from './selectCommittee.ts';

export interface PeerRelayComponents {
  /** Our public key: we never send to ourselves. */
  readonly me: Uint8Array;
  /** The re-send period. */
  readonly intervalMs: number;
  readonly emit: (action: EngineAction) => void;
}

/**
 * Per-peer round tracking and the messages this LEAG sends to one peer
 * directly rather than by gossip: what a peer in an earlier round needs,
 * and, every re-send period, what we signed in the current round.
 */
export class PeerRelay {
  private readonly c: PeerRelayComponents;
  /** (peer, round) pairs already helped since the last resend period. */
  private relayed = new Set<string>();
  /** The highest round each LEAG has signed a message in at this height (hex key → round). */
  private peerRounds = new Map<string, number>();

  constructor(components: PeerRelayComponents) {
    this.c = components;
  }

  /** A new height: no peer's round is known, and the first re-send period begins. */
  startHeight(height: number): void {
    this.peerRounds = new Map();
    this.relayed = new Set();
    this.schedule(height, 0);
  }

  private schedule(height: number, round: number): void {
    this.c.emit({ type: 'schedule', timeout: { height, round, step: 'resend' }, delayMs: this.c.intervalMs });
  }

  /**
   * A LEAG that signs in an earlier round of this height than ours needs
   * that round's votes to leave it, and our own messages of the current round
   * to join us (Tendermint's gossip sends each peer the votes it lacks). The
   * same bytes went out by gossip before, and gossip drops what it has seen,
   * so they go to that LEAG directly: at most once per (LEAG, round) in each
   * resend period. Called only for verified signatures, so nobody can make
   * us send on another LEAG's behalf.
   */
  notePeer(s: RoundState, peer: Uint8Array, round: number): void {
    if (bytesEqual(peer, this.c.me) || tooFarAhead(s, round)) return;
    const id = toHex(peer);
    const known = this.peerRounds.get(id);
    if (known === undefined || round > known) this.peerRounds.set(id, round);
    if (round >= s.round || s.step === 'start' || memberIndex(s.committee, peer) < 0) return;
    const key = `${id}:${round}`;
    if (this.relayed.has(key)) return;
    this.relayed.add(key);
    for (const sets of [s.seen.prepares, s.seen.commits]) {
      for (const vote of sets.get(round)?.all() ?? [])
        this.c.emit({ type: 'send', to: peer, message: { kind: 'vote', vote } });
    }
    this.sendOwn(s, peer);
  }

  /**
   * Tendermint assumes every message between correct LEAGs is eventually
   * delivered; gossip over a lossy network does not promise that, and it
   * drops a message it has seen before, so a LEAG that missed a message
   * (it was down, partitioned, or started late) never gets it by gossip
   * again. A LEAG that has not decided therefore re-sends what it signed in
   * its current round directly to every other committee member (and the
   * engine asks again to sync).
   */
  resend(s: RoundState): void {
    this.schedule(s.height, s.round);
    this.relayed.clear();
    if (s.step === 'decided' || s.step === 'start') return;
    for (const m of s.committee.members)
      if (!bytesEqual(m.publicKey, this.c.me)) this.sendOwn(s, m.publicKey);
  }

  /** Our proposal of the current round (with its polka) and our votes in it, to one LEAG. */
  private sendOwn(s: RoundState, to: Uint8Array): void {
    const me = this.c.me;
    const proposal = s.seen.proposals.get(s.round);
    const hash = s.seen.proposalHashes.get(s.round);
    if (proposal && hash && bytesEqual(proposal.proposer, me)) {
      this.c.emit({ type: 'send', to, message: { kind: 'proposal', ...proposal } });
      for (const vote of s.seen.polkaOf(proposal, hash))
        this.c.emit({ type: 'send', to, message: { kind: 'vote', vote } });
    }
    for (const sets of [s.seen.prepares, s.seen.commits]) {
      const own = sets.get(s.round)?.voteOf(me);
      if (own) this.c.emit({ type: 'send', to, message: { kind: 'vote', vote: own } });
    }
  }
}
