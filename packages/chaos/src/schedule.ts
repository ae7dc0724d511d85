import { Rng } from './rng.ts';

/** Every kind of fault the harness injects; `late-start` is the staggered start of the run itself. */
export const FAULT_KINDS = [
  'late-start',
  'kill-random',
  'kill-leader',
  'kill-all',
  'restart-without-quorum',
  'long-outage',
  'partition-leader',
  'partition-minority',
  'partition-split',
  'loss',
  'latency',
  'clock-skew',
  'power-cut-one',
  'power-cut-all',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A LEAG by index, or whichever LEAG proposed the latest block when the episode begins. */
export type Target = number | 'leader';

export type Action =
  | { readonly type: 'start'; readonly leag: Target; readonly skewSec?: number }
  | { readonly type: 'kill'; readonly leag: Target }
  | { readonly type: 'kill-all' }
  /** Pause, copy the disk at that instant, SIGKILL, put the copy back (powerCut.ts). */
  | { readonly type: 'power-cut'; readonly leag: Target }
  /** The same on every running LEAG at one instant. */
  | { readonly type: 'power-cut-all' }
  /** LEAGs named in no group form one more group. */
  | { readonly type: 'partition'; readonly groups: readonly (readonly Target[])[] }
  | { readonly type: 'heal' }
  /** Packet loss on every link between LEAGs; 0 removes it. */
  | { readonly type: 'loss'; readonly probability: number }
  /** One-way delay added to every link between LEAGs; 0 removes it. */
  | { readonly type: 'latency'; readonly ms: number };

export interface TimedAction {
  readonly atMs: number;
  readonly episode: number;
  readonly kind: FaultKind;
  readonly action: Action;
}

export interface Episode {
  readonly id: number;
  readonly kind: FaultKind;
  readonly atMs: number;
  readonly endMs: number;
}

export interface Schedule {
  readonly seed: number;
  readonly leags: number;
  readonly durationMs: number;
  readonly episodes: readonly Episode[];
  /** Sorted by time; ties keep the order they were planned in. */
  readonly actions: readonly TimedAction[];
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly leags: number;
  readonly durationMs: number;
  /** Short faults and gaps, every kind but `long-outage` once. */
  readonly quick: boolean;
  /** Kinds left out (e.g. one known to halt the chain for good, so the rest of a soak still measures something). */
  readonly without?: readonly FaultKind[];
}

type Step = readonly [offsetMs: number, action: Action];

interface Timing {
  readonly faultMs: () => number;
  readonly gapMs: () => number;
}

const QUICK_KINDS: readonly FaultKind[] = FAULT_KINDS.filter(
  (k) => k !== 'late-start' && k !== 'long-outage',
);
const SOAK_KINDS: readonly FaultKind[] = FAULT_KINDS.filter((k) => k !== 'late-start');

/**
 * The fault schedule, a pure function of its options: the same seed replays
 * the same faults at the same offsets (the leader is the one target resolved
 * when the episode runs). Episodes follow one another with a gap; within an
 * episode the fault is applied, then healed (restart, heal, loss 0, ...).
 */
export function makeSchedule(o: ScheduleOptions): Schedule {
  if (o.leags < 4) throw new RangeError('the chaos schedule needs at least 4 LEAGs');
  const rng = new Rng(o.seed);
  const timing: Timing = o.quick
    ? { faultMs: () => rng.int(3000, 4000), gapMs: () => rng.int(4000, 5000) }
    : { faultMs: () => rng.int(3000, 15_000), gapMs: () => rng.int(4000, 12_000) };
  const actions: TimedAction[] = [];
  const episodes: Episode[] = [];
  const add = (kind: FaultKind, atMs: number, steps: readonly Step[]): number => {
    const id = episodes.length;
    let end = atMs;
    for (const [offset, action] of steps) {
      actions.push({ atMs: atMs + offset, episode: id, kind, action });
      end = Math.max(end, atMs + offset);
    }
    episodes.push({ id, kind, atMs, endMs: end });
    return end;
  };

  // The run begins with staggered starts over a few seconds and one LEAG starting 15–25 s late.
  const order = rng.shuffle(range(o.leags));
  let stagger = 0;
  const startSteps: Step[] = order.slice(0, -1).map((leag) => {
    const step: Step = [stagger, { type: 'start', leag }];
    stagger += rng.int(0, 1500);
    return step;
  });
  const late = o.quick ? rng.int(15_000, 20_000) : rng.int(15_000, 25_000);
  startSteps.push([late, { type: 'start', leag: order.at(-1)! }]);
  add('late-start', 0, startSteps);

  // The first episode follows the late start, so that it is not hidden by a restart of every LEAG.
  let t = late + timing.gapMs();
  let pool: FaultKind[] = [];
  for (;;) {
    if (pool.length === 0) {
      if (o.quick && episodes.length > 1) break;
      pool = rng.shuffle((o.quick ? QUICK_KINDS : SOAK_KINDS).filter((k) => !o.without?.includes(k)));
      if (pool.length === 0) break;
    }
    const kind = pool.shift()!;
    const steps = episodeSteps(kind, rng, o.leags, timing);
    const length = Math.max(...steps.map(([offset]) => offset));
    if (!o.quick && t + length > o.durationMs) break;
    t = add(kind, t, steps) + timing.gapMs();
  }
  actions.sort((a, b) => a.atMs - b.atMs);
  return { seed: o.seed, leags: o.leags, durationMs: Math.max(o.durationMs, t), episodes, actions };
}

function episodeSteps(kind: FaultKind, rng: Rng, n: number, timing: Timing): Step[] {
  const d = timing.faultMs();
  switch (kind) {
    case 'late-start':
      throw new RangeError('late-start only begins a run');
    case 'kill-random': {
      const leag = rng.int(0, n - 1);
      return [
        [0, { type: 'kill', leag }],
        [d, { type: 'start', leag }],
      ];
    }
    case 'kill-leader':
      return [
        [0, { type: 'kill', leag: 'leader' }],
        [d, { type: 'start', leag: 'leader' }],
      ];
    case 'kill-all':
      return [[0, { type: 'kill-all' }], ...startAll(rng, n, d)];
    case 'restart-without-quorum': {
      // Down go n − quorum + 1 LEAGs, so the rest lack quorum; the restart of one of them brings it back.
      const down = rng.shuffle(range(n)).slice(0, n - quorumCount(n) + 1);
      const steps: Step[] = down.map((leag) => [0, { type: 'kill', leag }]);
      steps.push([d, { type: 'start', leag: down[0]! }]);
      for (const leag of down.slice(1)) steps.push([d + rng.int(3000, 6000), { type: 'start', leag }]);
      return steps;
    }
    case 'long-outage': {
      const leag = rng.int(0, n - 1);
      return [
        [0, { type: 'kill', leag }],
        [rng.int(30_000, 60_000), { type: 'start', leag }],
      ];
    }
    case 'partition-leader':
      return partition([['leader']], d);
    case 'partition-minority': {
      const size = Math.max(1, n - quorumCount(n));
      return partition([rng.shuffle(range(n)).slice(0, size)], d);
    }
    case 'partition-split':
      return partition([rng.shuffle(range(n)).slice(0, Math.floor(n / 2))], d);
    case 'loss':
      return [
        [0, { type: 'loss', probability: rng.int(5, 20) / 100 }],
        [d, { type: 'loss', probability: 0 }],
      ];
    case 'latency':
      return [
        [0, { type: 'latency', ms: rng.int(50, 200) }],
        [d, { type: 'latency', ms: 0 }],
      ];
    case 'clock-skew': {
      const leag = rng.int(0, n - 1);
      const skewSec = rng.pick([-1, 1]) * rng.int(2, 5);
      return [
        [0, { type: 'kill', leag }],
        [0, { type: 'start', leag, skewSec }],
        [d, { type: 'kill', leag }],
        [d, { type: 'start', leag }],
      ];
    }
    case 'power-cut-one': {
      const leag = rng.int(0, n - 1);
      return [
        [0, { type: 'power-cut', leag }],
        [d, { type: 'start', leag }],
      ];
    }
    case 'power-cut-all':
      return [[0, { type: 'power-cut-all' }], ...startAll(rng, n, d)];
  }
}

function partition(groups: Target[][], d: number): Step[] {
  return [
    [0, { type: 'partition', groups }],
    [d, { type: 'heal' }],
  ];
}

function startAll(rng: Rng, n: number, at: number): Step[] {
  let t = at;
  return rng.shuffle(range(n)).map((leag) => {
    const step: Step = [t, { type: 'start', leag }];
    t += rng.int(0, 500);
    return step;
  });
}

/** How many of n equally weighted LEAGs make a quorum (more than 2/3). */
export function quorumCount(n: number): number {
  return Math.floor((2 * n) / 3) + 1;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
