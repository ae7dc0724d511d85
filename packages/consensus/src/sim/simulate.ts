import {
  blockHash,
  type ConsensusParams,
  defaultConsensusParams,
  Keys,
  leagCodec,
  type SignedVote,
  StateView,
  sha256,
  signVote,
  toHex,
  utf8,
} from '@v2g/core';
import { BEHAVIOURS, type Behaviour } from '../byzantine.ts';
import { verifyCertificate } from '../certificate.ts';
import { chainRules } from '../chain/chainRules.ts';
import { leaderOf } from '../leader.ts';
import { ConsensusKeys, committeeCodec } from '../rules/committeeRecord.ts';
import { cachedVoteVerifier } from '../voteVerifier.ts';
import { Prng } from './prng.ts';
import { simGenesis, simKeys } from './scenario.ts';
import { SimNetwork } from './simNetwork.ts';
import { messageId, type SimHooks, SimNode } from './simNode.ts';

export { BEHAVIOURS, type Behaviour } from '../byzantine.ts';
export { simGenesis, simKeys } from './scenario.ts';

export interface SimOptions {
  readonly seed: number;
  readonly nodes: number;
  /** Committee size k (0 = all). */
  readonly committee: number;
  readonly byzantine: number;
  /** Message loss while faults last, in ppm. */
  readonly lossPpm: number;
  readonly partitions: boolean;
  readonly crashes: boolean;
  /** Some seeds cut the power of one LEAG, or of all at once: blocks written since the last fsync are lost. */
  readonly powerCuts: boolean;
  /** Some seeds start one honest LEAG up to this late (0: all start together). */
  readonly lateStartMaxMs: number;
  /** Some seeds keep a partition without quorum for up to this long (0: none). */
  readonly longPartitionMaxMs: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Faults happen in [0, faultsEndMs), stretched to cover a late start or a long partition. */
  readonly faultsEndMs: number;
  /** Every honest LEAG must commit two heights past the honest maximum at the heal within this time. */
  readonly livenessBoundMs: number;
  /** Time simulated after the faults end (at least the liveness bound). */
  readonly afterFaultsMs: number;
  /** The run lasts at least this long. */
  readonly durationMs: number;
  readonly leaderPolicy: ConsensusParams['leaderPolicy'];
  /** Only behaviours from this list are given to Byzantine LEAGs. */
  readonly behaviours: readonly Behaviour[];
  /** One signature cache for all simulated LEAGs (seed sweeps); false gives each its own (the benchmark). */
  readonly sharedVerifier: boolean;
  /** Stop once every honest LEAG has reached this height (0: run to the end). */
  readonly stopAtHeight: number;
  /** Make the initially highest-ranked LEAGs (round-0 leaders under 'top') the Byzantine ones. */
  readonly byzantineAtTop: boolean;
  /** Ablation: re-sends by gossip only, as before decision 0011 (the late-start stall comes back). */
  readonly gossipOnly: boolean;
  /** Force one LEAG to start this late, in ms (scenario tests; overrides the drawn late start). */
  readonly lateStartMs: number | null;
  /** Crash whichever LEAG leads the next height at `fromMs` and restart it at `toMs` (scenario tests). */
  readonly leaderOutage: { readonly fromMs: number; readonly toMs: number } | null;
  /** Genesis reputations by LEAG index (500,000 ppm where absent). */
  readonly reputations: readonly number[];
}

export const defaultSimOptions: SimOptions = {
  seed: 1,
  nodes: 4,
  committee: 0,
  byzantine: 1,
  lossPpm: 50_000,
  partitions: true,
  crashes: true,
  powerCuts: true,
  lateStartMaxMs: 20_000,
  longPartitionMaxMs: 20_000,
  minDelayMs: 5,
  maxDelayMs: 60,
  faultsEndMs: 4_000,
  livenessBoundMs: 15_000,
  afterFaultsMs: 16_000,
  durationMs: 20_000,
  leaderPolicy: 'top',
  behaviours: BEHAVIOURS,
  sharedVerifier: true,
  stopAtHeight: 0,
  byzantineAtTop: false,
  gossipOnly: false,
  lateStartMs: null,
  leaderOutage: null,
  reputations: [],
};

export interface SimResult {
  readonly seed: number;
  readonly violations: readonly string[];
  /** The lowest final height among honest LEAGs. */
  readonly minHeight: number;
  readonly maxHeight: number;
  readonly engineInputs: number;
  readonly messagesSent: number;
  readonly evidenceCommitted: number;
  /** Conflicting vote pairs Byzantine LEAGs sent (not all reach an honest LEAG in time to be evidence). */
  readonly equivocations: number;
  /** Virtual time the run covered. */
  readonly virtualMs: number;
  readonly behaviours: readonly Behaviour[];
  /** The faults drawn for this seed, for the replay line. */
  readonly faults: readonly string[];
  /** Blocks the best honest LEAG committed during `leaderOutage` (0 without one). */
  readonly outageBlocks: number;
}

/** Runs one seeded scenario of real drivers and executors and checks DESIGN §5's safety and liveness. */
export function simulate(options: Partial<SimOptions> & { seed: number }): SimResult {
  const o: SimOptions = { ...defaultSimOptions, ...options };
  const rng = new Prng(o.seed);
  const params: ConsensusParams = {
    ...defaultConsensusParams,
    committeeSize: o.committee,
    leaderPolicy: o.leaderPolicy,
  };
  const keys = simKeys(o.nodes);
  const genesis = simGenesis(keys, params, o.reputations);
  const sharedVerify = cachedVoteVerifier(1 << 18);
  const sharedRules = chainRules({ verifyVote: sharedVerify });
  const violations: string[] = [];
  const violate = (what: string) => {
    if (violations.length < 20) violations.push(what);
  };
  const faults: string[] = [];

  // Byzantine LEAGs are taken from the initial committee (equal reputation: lowest keys first), where they hurt most.
  const order = keys.map((k, i) => ({ i, id: toHex(k.publicKey) })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const k0 = o.committee === 0 ? o.nodes : Math.min(o.committee, o.nodes);
  const byzantine = new Set<number>();
  const inCommittee = order.slice(0, k0).map((x) => x.i);
  while (byzantine.size < Math.min(o.byzantine, o.nodes)) {
    const pool = byzantine.size < inCommittee.length ? inCommittee : order.map((x) => x.i);
    const free = pool.filter((i) => !byzantine.has(i));
    byzantine.add(o.byzantineAtTop ? free[0]! : rng.pick(free));
  }
  const behaviours: Behaviour[] = keys.map((_, i) => (byzantine.has(i) ? rng.pick(o.behaviours) : 'honest'));
  // Liveness is only promised while Byzantine weight is under 1/3 of the committee.
  const livenessExpected = 3 * byzantine.size < k0;

  // ---- checks, fed by the nodes ------------------------------------------------------------------
  const decided = new Map<number, string>();
  const evidenceAt = new Map<number, number>();
  const byKey = new Map(keys.map((k, i) => [toHex(k.publicKey), i]));
  let equivocations = 0;
  let heightAtHeal = -1;
  const reachedAt = new Map<number, number>();
  const sent = keys.map(() => new Map<string, string>());
  const halted = new Map<number, string>();

  const hooks: SimHooks = {
    committed(node, { block, certificate }) {
      const h = block.header.height;
      const hash = toHex(blockHash(block.header));
      const other = decided.get(h);
      if (other === undefined) decided.set(h, hash);
      else if (other !== hash) violate(`two blocks decided at height ${h}`);
      // The committee that signed block h is recorded in the state block h produced.
      const committee = new StateView(node.storage.state).read(committeeCodec, ConsensusKeys.committee(h));
      if (!committee) violate(`no committee recorded for height ${h}`);
      else {
        const check = verifyCertificate(certificate, committee, genesis.chainId, node.cfg.verifyVote);
        if (!check.ok) violate(`certificate of height ${h} invalid: ${check.reason}`);
        if (certificate.height !== h || toHex(certificate.blockHash) !== hash)
          violate(`certificate mismatch at ${h}`);
      }
      if (node.cfg.behaviour === 'honest' && heightAtHeal >= 0 && h === heightAtHeal + 2)
        reachedAt.set(node.index, net.now());
    },
    evidence(node, first) {
      const offender = byKey.get(toHex(first.voter));
      if (node.cfg.behaviour === 'honest' && offender !== undefined && !evidenceAt.has(offender))
        evidenceAt.set(offender, net.now());
    },
    halted(node, reason) {
      if (node.cfg.behaviour === 'honest') halted.set(node.index, reason);
    },
    signed(node, vote: SignedVote) {
      const id = `${vote.height}:${vote.round}:${vote.type}`;
      const hash = vote.blockHash === null ? 'nil' : toHex(vote.blockHash);
      const before = sent[node.index]!.get(id);
      if (before === undefined) sent[node.index]!.set(id, hash);
      else if (before !== hash) {
        if (node.cfg.behaviour === 'honest') violate(`honest leag-${node.index} signed conflicting ${id}`);
        else equivocations++;
      }
    },
  };

  const net = new SimNetwork(rng, {
    minDelayMs: o.minDelayMs,
    maxDelayMs: o.maxDelayMs,
    lossPpm: o.lossPpm,
    lossUntilMs: o.faultsEndMs,
  });
  const nodes = keys.map((key, index) => {
    const verifyVote = o.sharedVerifier ? sharedVerify : cachedVoteVerifier(1 << 16);
    const rules = o.sharedVerifier ? sharedRules : chainRules({ verifyVote });
    const node = new SimNode(
      {
        index,
        key,
        behaviour: behaviours[index]!,
        genesis,
        rules,
        verifyVote,
        peers: keys.map((k) => k.publicKey),
        gossipOnly: o.gossipOnly,
        rng,
      },
      net,
      hooks,
    );
    net.add(node);
    return node;
  });
  const honest = nodes.filter((n) => n.cfg.behaviour === 'honest');

  // ---- faults, drawn up front from the seed -----------------------------------------------------
  let faultsEnd = o.faultsEndMs;
  const startAt = nodes.map(() => 0);
  const late =
    o.lateStartMs ?? (o.lateStartMaxMs > 0 && rng.int(3) === 0 ? 1000 + rng.int(o.lateStartMaxMs) : null);
  if (late !== null && honest.length > 0) {
    const node = o.lateStartMs !== null ? honest[honest.length - 1]! : rng.pick(honest);
    startAt[node.index] = late;
    faultsEnd = Math.max(faultsEnd, late);
    faults.push(`leag-${node.index} starts at ${late} ms`);
  }
  if (o.partitions && o.nodes > 1) {
    const long = o.longPartitionMaxMs > 0 && rng.int(4) === 0;
    const start = rng.int(Math.max(1, o.faultsEndMs - 1000));
    const length = long
      ? 5000 + rng.int(o.longPartitionMaxMs)
      : 500 + rng.int(Math.max(1, o.faultsEndMs - start - 500));
    const groups = nodes.map(() => rng.int(2));
    const end = long ? start + length : Math.min(start + length, o.faultsEndMs);
    faultsEnd = Math.max(faultsEnd, end);
    net.at(start, () => net.setPartition(groups));
    net.at(end, () => net.setPartition(null));
    faults.push(`partition ${groups.join('')} ${start}–${end} ms`);
  }
  if (o.crashes) {
    const count = Math.min(honest.length, 1 + rng.int(2));
    for (let c = 0; c < count; c++) {
      const node = rng.pick(honest);
      const at = rng.int(Math.max(1, o.faultsEndMs - 500));
      const afterPersist = rng.int(2) === 0;
      const back = Math.min(o.faultsEndMs, at + 200 + rng.int(3000));
      net.at(at, () => {
        if (afterPersist) node.crashAfterPersist = true;
        else node.crash();
      });
      net.at(back, () => {
        node.crashAfterPersist = false;
        if (net.now() >= startAt[node.index]!) node.boot();
      });
      faults.push(`crash leag-${node.index} ${at}–${back} ms${afterPersist ? ' after a persist' : ''}`);
    }
  }
  if (o.powerCuts && rng.int(4) === 0) {
    const all = rng.int(2) === 0;
    const victims = all ? nodes : [rng.pick(honest)];
    const at = 500 + rng.int(Math.max(1, o.faultsEndMs - 1000));
    const back = at + 200 + rng.int(2000);
    faultsEnd = Math.max(faultsEnd, back);
    net.at(at, () => {
      for (const n of victims) n.powerCut();
    });
    net.at(back, () => {
      for (const n of victims) if (net.now() >= startAt[n.index]!) n.boot();
    });
    faults.push(`power cut ${all ? 'on every LEAG' : `leag-${victims[0]!.index}`} ${at}–${back} ms`);
  }
  let outageBlocks = 0;
  if (o.leaderOutage !== null) {
    const { fromMs, toMs } = o.leaderOutage;
    let victim: SimNode | null = null;
    let heightAtCrash = 0;
    net.at(fromMs, () => {
      const best = honest.reduce((a, b) => (b.height > a.height ? b : a));
      const selection = best.executor.committee();
      if (!selection.ok) return;
      const leader = leaderOf(
        selection.committee,
        best.height + 1,
        best.executor.leaderRotation(),
        params.leaderPolicy,
      );
      victim = nodes.find((n) => toHex(n.cfg.key.publicKey) === toHex(leader.publicKey)) ?? null;
      heightAtCrash = best.height;
      victim?.crash();
      faults.push(`leader leag-${victim?.index} down ${fromMs}–${toMs} ms`);
    });
    net.at(toMs, () => {
      outageBlocks = Math.max(...honest.filter((n) => n !== victim).map((n) => n.height)) - heightAtCrash;
      victim?.boot();
    });
    faultsEnd = Math.max(faultsEnd, toMs);
  }
  for (const n of nodes) net.at(startAt[n.index]!, () => n.boot());
  for (const n of nodes) if (n.cfg.behaviour === 'stale-spam') net.at(100 + rng.int(300), () => spam(n));

  function spam(node: SimNode): void {
    const st = node.driver?.status();
    if (st) {
      for (let i = 0; i < 3; i++) {
        const round = rng.int(2) === 0 ? rng.int(st.round + 1) : st.round + 1 + rng.int(2000);
        const height = Math.max(1, st.height - rng.int(3));
        const type = rng.int(2) === 0 ? ('prepare' as const) : ('commit' as const);
        const hash = rng.int(2) === 0 ? null : sha256(utf8(`spam-${net.now()}-${i}`));
        const vote = signVote(genesis.chainId, { type, height, round, blockHash: hash }, node.cfg.key);
        hooks.signed(node, vote);
        const message = { kind: 'vote' as const, vote };
        net.gossip(node.index, messageId(message), { kind: 'consensus', message });
      }
    }
    net.at(net.now() + 200 + rng.int(400), () => spam(node));
  }

  // ---- run --------------------------------------------------------------------------------------
  const duration = Math.max(o.durationMs, faultsEnd + Math.max(o.afterFaultsMs, o.livenessBoundMs));
  net.at(faultsEnd, () => {
    heightAtHeal = Math.max(...honest.map((n) => n.height));
    for (const n of honest) if (n.height >= heightAtHeal + 2) reachedAt.set(n.index, net.now());
  });
  while (net.step(duration)) {
    if (o.stopAtHeight > 0 && honest.every((n) => n.height >= o.stopAtHeight)) break;
  }

  // ---- end-of-run checks ------------------------------------------------------------------------
  for (const n of nodes) if (!n.up) violate(`leag-${n.index} still down at the end`);
  for (const [i, reason] of halted) violate(`honest leag-${i} halted: ${reason}`);
  if (livenessExpected && heightAtHeal >= 0) {
    for (const n of honest) {
      const t = reachedAt.get(n.index);
      if (t === undefined || t > faultsEnd + o.livenessBoundMs) {
        violate(
          `liveness: leag-${n.index} did not reach height ${heightAtHeal + 2} within ${o.livenessBoundMs} ms of healing (at ${n.height})`,
        );
      }
    }
  }
  const best = honest.reduce((a, b) => (b.height > a.height ? b : a), honest[0]!);
  const view = new StateView(best.storage.state);
  const reputation = (i: number) => view.read(leagCodec, Keys.leag(keys[i]!.publicKey))?.reputationPpm ?? 0;
  for (const n of honest) {
    if (reputation(n.index) < params.rMinPpm)
      violate(`honest leag-${n.index} fell below R_min (${reputation(n.index)})`);
  }
  if (livenessExpected) {
    for (const [i, at] of evidenceAt) {
      // Evidence needs time to reach a block: only evidence found well before the end is judged.
      if (at < duration - o.livenessBoundMs && reputation(i) >= params.rMinPpm)
        violate(`equivocator leag-${i} (${behaviours[i]}) still at ${reputation(i)} ppm`);
    }
  }
  let evidenceCommitted = 0;
  for (const b of best.storage.blocks)
    for (const tx of b.block.txs) if (tx.body.kind === 'evidence') evidenceCommitted++;
  const heights = honest.map((n) => n.height);
  return {
    seed: o.seed,
    violations,
    minHeight: Math.min(...heights),
    maxHeight: Math.max(...heights),
    engineInputs: nodes.reduce((s, n) => s + n.inputsHandled, 0),
    messagesSent: net.sent,
    evidenceCommitted,
    equivocations,
    virtualMs: net.now(),
    behaviours,
    faults,
    outageBlocks,
  };
}
