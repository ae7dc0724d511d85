import type { DriverStatus } from '@v2g/consensus';
import { Counter, Gauge, type Registry } from 'prom-client';

const STEPS = ['start', 'propose', 'prepare', 'commit', 'decided', 'stopped'] as const;

/** Consensus metrics (after CometBFT's consensus/metrics.go): where the engine is and how it got there. */
export function createConsensusMetrics(
  register: Registry,
  status: () => DriverStatus | null,
  now: () => number,
) {
  const height = new Gauge({
    name: 'v2g_consensus_height',
    help: 'Height the consensus engine is working on',
    registers: [register],
    collect() {
      const s = status();
      if (s) this.set(s.height);
    },
  });
  const round = new Gauge({
    name: 'v2g_consensus_round',
    help: 'Round of the current height',
    registers: [register],
    collect() {
      const s = status();
      if (s) this.set(s.round);
    },
  });
  const step = new Gauge({
    name: 'v2g_consensus_step',
    help: '1 for the step the engine is in, 0 for the others',
    labelNames: ['step'] as const,
    registers: [register],
    collect() {
      const s = status();
      for (const name of STEPS) this.set({ step: name }, s?.step === name ? 1 : 0);
    },
  });
  const lastBlockAge = new Gauge({
    name: 'v2g_last_block_age_seconds',
    help: 'Seconds since the last block was committed (or since consensus started)',
    registers: [register],
    collect() {
      const s = status();
      if (s) this.set((now() - s.lastCommitAt) / 1000);
    },
  });
  const halted = new Gauge({
    name: 'v2g_consensus_halted',
    help: '1 when consensus has halted (a failed signing-state write, or no committee)',
    registers: [register],
    collect() {
      this.set(status()?.state.kind === 'halted' ? 1 : 0);
    },
  });
  return {
    height,
    round,
    step,
    lastBlockAge,
    halted,
    timeouts: new Counter({
      name: 'v2g_consensus_timeouts_total',
      help: 'Round timeouts that fired, by step',
      labelNames: ['step'] as const,
      registers: [register],
    }),
    votesReceived: new Counter({
      name: 'v2g_consensus_votes_received_total',
      help: 'Consensus votes handed to the engine, by type',
      labelNames: ['type'] as const,
      registers: [register],
    }),
    directRejected: new Counter({
      name: 'v2g_consensus_direct_rejected_total',
      help: 'Directly sent consensus messages refused, by reason',
      labelNames: ['reason'] as const,
      registers: [register],
    }),
  };
}

export type ConsensusMetrics = ReturnType<typeof createConsensusMetrics>;
