import { type Codec, oneOf, struct, uint } from '../encoding/codec.ts';

export type LeaderPolicy = 'top' | 'weighted-rotation';

/** Consensus and LEAG reputation parameters (DESIGN §5). Reputation in ppm. */
export interface ConsensusParams {
  /** Committee size k; 0 means every eligible LEAG. */
  readonly committeeSize: number;
  readonly rMinPpm: number;
  readonly leaderPolicy: LeaderPolicy;
  /** Target time between blocks; the leader waits this long for transactions. */
  readonly blockIntervalMs: number;
  /** Round-0 timeouts, and how much each grows per round. */
  readonly timeoutProposeMs: number;
  readonly timeoutVoteMs: number;
  readonly timeoutDeltaMs: number;
  readonly maxBlockTxs: number;
  readonly proposerGainPpm: number;
  readonly signerGainPpm: number;
  readonly absentLossPpm: number;
  readonly evidenceCutPpm: number;
}

export const consensusParamsCodec: Codec<ConsensusParams> = struct<ConsensusParams>({
  committeeSize: uint,
  rMinPpm: uint,
  leaderPolicy: oneOf(['top', 'weighted-rotation']),
  blockIntervalMs: uint,
  timeoutProposeMs: uint,
  timeoutVoteMs: uint,
  timeoutDeltaMs: uint,
  maxBlockTxs: uint,
  proposerGainPpm: uint,
  signerGainPpm: uint,
  absentLossPpm: uint,
  evidenceCutPpm: uint,
});

export const defaultConsensusParams: ConsensusParams = {
  committeeSize: 0,
  rMinPpm: 200_000,
  leaderPolicy: 'top',
  blockIntervalMs: 200,
  timeoutProposeMs: 1000,
  timeoutVoteMs: 500,
  timeoutDeltaMs: 500,
  maxBlockTxs: 5000,
  proposerGainPpm: 1000,
  signerGainPpm: 200,
  absentLossPpm: 2000,
  evidenceCutPpm: 400_000,
};
