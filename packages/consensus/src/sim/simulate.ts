import {
  type Block,
  blockHash,
  bytesEqual,
  type CommitCertificate,
  type ConsensusParams,
  combineRules,
  defaultConsensusParams,
  defaultEvReputationParams,
  defaultMarketParams,
  type Genesis,
  type KeyPair,
  Keys,
  keyPairFromSeed,
  leagCodec,
  ledgerRules,
  type SignedVote,
  StateView,
  sha256,
  signMessage,
  signVote,
  type Tx,
  toHex,
  utf8,
} from '@v2g/core';
import { verifyCertificate } from '../certificate.ts';
import { ConsensusEngine } from '../engine.ts';
import type { EngineAction, SigningState, Timeout } from '../interface.ts';
import { type ConsensusMessage, type Proposal, proposalSigningPayload } from '../messages.ts';
import { consensusRules } from '../rules/consensusRules.ts';
import { cachedVoteVerifier, type VoteVerifier } from '../voteVerifier.ts';
import { EventQueue } from './eventQueue.ts';
import { Prng } from './prng.ts';
import { SimChain } from './simChain.ts';

export const BEHAVIOURS = [
  'equivocate-leader',
  'equivocate-voter',
  'invalid-proposal',
  'withhold',
  'stale-spam',
] as const;
export type Behaviour = 'honest' | (typeof BEHAVIOURS)[number];

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
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Faults (loss, partitions, crashes) happen in [0, faultsEndMs); Byzantine LEAGs misbehave throughout. */
  readonly faultsEndMs: number;
  /** Every honest LEAG must commit two heights past the honest maximum at faultsEndMs within this time. */
  readonly livenessBoundMs: number;
  readonly durationMs: number;
  readonly leaderPolicy: ConsensusParams['leaderPolicy'];
  /** Only behaviours from this list are given to Byzantine LEAGs. */
  readonly behaviours: readonly Behaviour[];
  /** One signature cache for all simulated LEAGs (seed sweeps); false gives each its own (the benchmark). */
  readonly sharedVerifier: boolean;
  /** Stop once every honest LEAG has reached this height (0: run for durationMs). */
  readonly stopAtHeight: number;
  /** Make the initially highest-ranked LEAGs (round-0 leaders under 'top') the Byzantine ones. */
  readonly byzantineAtTop: boolean;
}

export const defaultSimOptions: SimOptions = {
  seed: 1,
  nodes: 4,
  committee: 0,
  byzantine: 1,
  lossPpm: 50_000,
  partitions: true,
  crashes: true,
  minDelayMs: 5,
  maxDelayMs: 60,
  faultsEndMs: 4_000,
  livenessBoundMs: 15_000,
  durationMs: 20_000,
  leaderPolicy: 'top',
  behaviours: BEHAVIOURS,
  sharedVerifier: true,
  stopAtHeight: 0,
  byzantineAtTop: false,
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
}

type Wire =
  | { readonly kind: 'consensus'; readonly message: ConsensusMessage }
  | { readonly kind: 'tx'; readonly tx: Tx }
  | { readonly kind: 'sync-request'; readonly height: number }
  | {
      readonly kind: 'sync-response';
      readonly blocks: readonly { block: Block; certificate: CommitCertificate }[];
    };

type SimEvent =
  | { readonly kind: 'deliver'; readonly from: number; readonly to: number; readonly wire: Wire }
  | { readonly kind: 'timeout'; readonly node: number; readonly epoch: number; readonly timeout: Timeout }
  | { readonly kind: 'crash'; readonly node: number; readonly afterPersist: boolean }
  | { readonly kind: 'restart'; readonly node: number }
  | { readonly kind: 'spam'; readonly node: number }
  /** Mempool gossip retry: pending evidence is re-sent until a block carries it. */
  | { readonly kind: 'gossip'; readonly node: number }
  | { readonly kind: 'partition'; readonly groups: readonly number[] | null };

interface SimNode {
  readonly index: number;
  readonly key: KeyPair;
  readonly verifier: VoteVerifier;
  readonly behaviour: Behaviour;
  chain: SimChain;
  engine: ConsensusEngine;
  /** The durable signing state: survives crashes. */
  disk: SigningState | null;
  up: boolean;
  epoch: number;
  crashAfterPersist: boolean;
  /** Every vote this LEAG ever sent, by (height:round:type): survives crashes, for the double-sign check. */
  readonly sent: Map<string, string>;
  halted: string | null;
}

const SYNC_BATCH = 32;

export function simKeys(n: number): KeyPair[] {
  return Array.from({ length: n }, (_, i) => keyPairFromSeed(sha256(utf8(`v2g-sim/leag-${i}`))));
}

export function simGenesis(keys: readonly KeyPair[], consensus: ConsensusParams): Genesis {
  const ra = keyPairFromSeed(sha256(utf8('v2g-sim/ra')));
  return {
    chainId: 'v2g-sim',
    genesisTime: 1_700_000_000_000,
    raKey: ra.publicKey,
    gridOperatorKey: ra.publicKey,
    leags: keys.map((k, i) => ({ publicKey: k.publicKey, name: `leag-${i}`, reputationPpm: 500_000 })),
    params: { consensus, market: defaultMarketParams, evReputation: defaultEvReputationParams },
    allocations: [],
  };
}

function hashKey(h: Uint8Array | null): string {
  return h === null ? 'nil' : toHex(h);
}

/** Runs one seeded scenario and checks the safety and liveness properties of DESIGN §5. */
export function simulate(options: Partial<SimOptions> & { seed: number }): SimResult {
  const o: SimOptions = { ...defaultSimOptions, ...options };
  const rng = new Prng(o.seed);
  const params: ConsensusParams = {
    ...defaultConsensusParams,
    committeeSize: o.committee,
    leaderPolicy: o.leaderPolicy,
  };
  const keys = simKeys(o.nodes);
  const genesis = simGenesis(keys, params);
  // One verification cache for the whole simulated network: every LEAG gets the same answer, once.
  const verifyVote = cachedVoteVerifier(1 << 18);
  const sharedRules = combineRules(ledgerRules, consensusRules({ verifyVote }));
  // Without sharing (the benchmark), each LEAG checks every signature itself, once, as a real node would.
  const verifierFor = () => (o.sharedVerifier ? verifyVote : cachedVoteVerifier(1 << 16));
  const violations: string[] = [];
  const violate = (what: string) => {
    if (violations.length < 20) violations.push(what);
  };
  const queue = new EventQueue<SimEvent>();
  let now = 0;
  let messagesSent = 0;
  let engineInputs = 0;
  const byKey = new Map(keys.map((k, i) => [toHex(k.publicKey), i]));

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

  const nodes: SimNode[] = keys.map((key, index) => {
    const verifier = verifierFor();
    const rules = o.sharedVerifier
      ? sharedRules
      : combineRules(ledgerRules, consensusRules({ verifyVote: verifier }));
    const chain = new SimChain(genesis, rules);
    return {
      index,
      verifier,
      key,
      behaviour: behaviours[index]!,
      chain,
      engine: makeEngine(key, chain, null, verifier),
      disk: null,
      up: true,
      epoch: 0,
      crashAfterPersist: false,
      sent: new Map(),
      halted: null,
    };
  });
  const honest = nodes.filter((n) => n.behaviour === 'honest');

  function makeEngine(
    key: KeyPair,
    chain: SimChain,
    restored: SigningState | null,
    verifyVote: VoteVerifier,
  ): ConsensusEngine {
    return new ConsensusEngine({
      chainId: genesis.chainId,
      params,
      restored,
      verifyVote,
      signer: { publicKey: key.publicKey, sign: (payload) => signMessage(key.secretKey, payload) },
      validator: chain.validator(key.publicKey, () => genesis.genesisTime + now),
    });
  }

  // ---- faults, drawn up front from the seed --------------------------------------------------
  let partition: readonly number[] | null = null;
  if (o.partitions && o.nodes > 1) {
    const start = rng.int(Math.max(1, o.faultsEndMs - 1000));
    const end = start + 500 + rng.int(Math.max(1, o.faultsEndMs - start - 500));
    const groups = nodes.map(() => rng.int(2));
    queue.push(start, { kind: 'partition', groups });
    queue.push(Math.min(end, o.faultsEndMs), { kind: 'partition', groups: null });
  }
  if (o.crashes) {
    const candidates = honest.map((n) => n.index);
    const count = Math.min(candidates.length, 1 + rng.int(2));
    for (let c = 0; c < count; c++) {
      const node = rng.pick(candidates);
      const at = rng.int(Math.max(1, o.faultsEndMs - 500));
      queue.push(at, { kind: 'crash', node, afterPersist: rng.int(2) === 0 });
      queue.push(Math.min(o.faultsEndMs, at + 200 + rng.int(3000)), { kind: 'restart', node });
    }
  }
  for (const n of honest) queue.push(500 + rng.int(500), { kind: 'gossip', node: n.index });
  for (const n of nodes)
    if (n.behaviour === 'stale-spam') queue.push(100 + rng.int(300), { kind: 'spam', node: n.index });

  // ---- the network -----------------------------------------------------------------------------
  function send(from: number, to: number, wire: Wire, extraDelay = 0): void {
    if (from === to) return;
    messagesSent++;
    if (partition !== null && partition[from] !== partition[to]) return;
    if (now < o.faultsEndMs && rng.chancePpm(o.lossPpm)) return;
    const delay = o.minDelayMs + rng.int(o.maxDelayMs - o.minDelayMs + 1) + extraDelay;
    queue.push(now + delay, { kind: 'deliver', from, to, wire });
  }
  function broadcast(from: number, wire: Wire): void {
    for (let to = 0; to < nodes.length; to++) send(from, to, wire);
  }
  /** Equivocation as gossip makes it look: each half of the network sees one version first and the other later. */
  function split(from: number, a: ConsensusMessage, b: ConsensusMessage): void {
    for (let to = 0; to < nodes.length; to++) {
      const firstA = to % 2 === 0;
      send(from, to, { kind: 'consensus', message: firstA ? a : b });
      send(from, to, { kind: 'consensus', message: firstA ? b : a }, 40 + rng.int(200));
    }
  }

  // ---- checks ----------------------------------------------------------------------------------
  const decided = new Map<number, string>();
  /** When an honest LEAG first reported evidence against each LEAG. */
  const evidenceAt = new Map<number, number>();
  let equivocations = 0;
  let heightAtHeal = -1;
  const reachedAt = new Map<number, number>();

  function recordVote(node: SimNode, vote: SignedVote): void {
    const id = `${vote.height}:${vote.round}:${vote.type}`;
    const hash = hashKey(vote.blockHash);
    const before = node.sent.get(id);
    if (before === undefined) node.sent.set(id, hash);
    else if (before !== hash) {
      if (node.behaviour === 'honest') violate(`honest leag-${node.index} signed conflicting ${id}`);
      else equivocations++;
    }
  }

  function onCommit(node: SimNode, block: Block, certificate: CommitCertificate): void {
    const h = block.header.height;
    if (h !== node.chain.height + 1)
      violate(`leag-${node.index} committed height ${h} after ${node.chain.height}`);
    const hash = toHex(blockHash(block.header));
    const other = decided.get(h);
    if (other === undefined) decided.set(h, hash);
    else if (other !== hash && node.behaviour === 'honest') violate(`two blocks decided at height ${h}`);
    const committee = node.chain.nextCommittee();
    if (!committee.ok) violate(`leag-${node.index} committed without a committee`);
    else {
      const check = verifyCertificate(certificate, committee.committee, genesis.chainId, node.verifier);
      if (!check.ok) violate(`certificate of height ${h} invalid: ${check.reason}`);
      if (certificate.height !== h || toHex(certificate.blockHash) !== hash)
        violate(`certificate mismatch at ${h}`);
    }
    node.chain.commit(block, certificate);
    if (node.behaviour === 'honest' && heightAtHeal >= 0 && h === heightAtHeal + 2)
      reachedAt.set(node.index, now);
  }

  function startNext(node: SimNode): void {
    const selection = node.chain.nextCommittee();
    if (!selection.ok) {
      node.halted = selection.reason;
      return;
    }
    const actions = node.engine.startHeight({
      height: node.chain.height + 1,
      committee: selection.committee,
      lastCommit: node.chain.lastCertificate,
    });
    perform(node, actions);
  }

  function perform(node: SimNode, actions: readonly EngineAction[]): void {
    for (const a of actions) {
      if (!node.up) return;
      switch (a.type) {
        case 'persist':
          node.disk = a.state;
          if (node.crashAfterPersist) {
            // Crash between the durable write and the send: what the restart must survive.
            node.crashAfterPersist = false;
            crash(node);
            return;
          }
          break;
        case 'broadcast':
          emit(node, a.message);
          break;
        case 'schedule':
          queue.push(now + a.delayMs, {
            kind: 'timeout',
            node: node.index,
            epoch: node.epoch,
            timeout: a.timeout,
          });
          break;
        case 'commit':
          onCommit(node, a.block, a.certificate);
          startNext(node);
          return; // startNext performed the new height's actions; this batch has nothing after a commit.
        case 'evidence': {
          const offender = byKey.get(toHex(a.first.voter));
          if (node.behaviour === 'honest' && offender !== undefined && !evidenceAt.has(offender)) {
            evidenceAt.set(offender, now);
          }
          const tx: Tx = {
            version: 1,
            chainId: genesis.chainId,
            inputs: [],
            outputs: [],
            lockTime: 0,
            body: { kind: 'evidence', first: a.first, second: a.second },
            witnesses: [],
          };
          node.chain.addTx(tx);
          broadcast(node.index, { kind: 'tx', tx });
          break;
        }
        case 'behind': {
          const peer = byKey.get(toHex(a.from));
          if (peer !== undefined)
            send(node.index, peer, { kind: 'sync-request', height: node.chain.height + 1 });
          break;
        }
      }
    }
  }

  /** Sends an engine's message, bent by the node's behaviour. */
  function emit(node: SimNode, m: ConsensusMessage): void {
    const wire: Wire = { kind: 'consensus', message: m };
    const own = m.kind === 'vote' ? bytesEqual(m.vote.voter, node.key.publicKey) : m.kind === 'proposal';
    if (!own) {
      broadcast(node.index, wire);
      return;
    } // relayed votes of others
    if (m.kind === 'vote') recordVote(node, m.vote);
    switch (node.behaviour) {
      case 'honest':
      case 'stale-spam':
        broadcast(node.index, wire);
        return;
      case 'withhold':
        if (m.kind === 'decision') broadcast(node.index, wire);
        return;
      case 'equivocate-voter': {
        if (m.kind !== 'vote' || m.vote.blockHash === null) {
          broadcast(node.index, wire);
          return;
        }
        const other = signVote(genesis.chainId, { ...m.vote, blockHash: null }, node.key);
        recordVote(node, other);
        split(node.index, m, { kind: 'vote', vote: other });
        return;
      }
      case 'equivocate-leader': {
        if (m.kind !== 'proposal' || m.validRound !== null) {
          broadcast(node.index, wire);
          return;
        }
        const alt = node.chain
          .validator(node.key.publicKey, () => genesis.genesisTime + now + 1)
          .propose(m.height, m.round, m.block.lastCommit);
        const b = resign(node, { ...m, block: alt });
        split(node.index, m, { kind: 'proposal', ...b });
        // And prepare-votes for both blocks.
        const va = signVote(
          genesis.chainId,
          { type: 'prepare', height: m.height, round: m.round, blockHash: blockHash(m.block.header) },
          node.key,
        );
        const vb = signVote(
          genesis.chainId,
          { type: 'prepare', height: m.height, round: m.round, blockHash: blockHash(alt.header) },
          node.key,
        );
        recordVote(node, va);
        recordVote(node, vb);
        split(node.index, { kind: 'vote', vote: va }, { kind: 'vote', vote: vb });
        return;
      }
      case 'invalid-proposal': {
        if (m.kind !== 'proposal') {
          broadcast(node.index, wire);
          return;
        }
        const header = { ...m.block.header, stateRoot: sha256(utf8(`bad-${now}`)) };
        const bad = resign(node, { ...m, block: { ...m.block, header } });
        broadcast(node.index, { kind: 'consensus', message: { kind: 'proposal', ...bad } });
        return;
      }
    }
  }

  function resign(node: SimNode, p: Proposal): Proposal {
    const payload = proposalSigningPayload(genesis.chainId, { ...p, blockHash: blockHash(p.block.header) });
    return { ...p, proposer: node.key.publicKey, signature: signMessage(node.key.secretKey, payload) };
  }

  function spam(node: SimNode): void {
    const st = node.engine.status();
    for (let i = 0; i < 3; i++) {
      const round = rng.int(2) === 0 ? rng.int(st.round + 1) : st.round + 1 + rng.int(2000);
      const height = Math.max(1, st.height - rng.int(3));
      const type = rng.int(2) === 0 ? ('prepare' as const) : ('commit' as const);
      const blockHash = rng.int(2) === 0 ? null : sha256(utf8(`spam-${now}-${i}`));
      const vote = signVote(genesis.chainId, { type, height, round, blockHash }, node.key);
      recordVote(node, vote);
      broadcast(node.index, { kind: 'consensus', message: { kind: 'vote', vote } });
    }
    queue.push(now + 200 + rng.int(400), { kind: 'spam', node: node.index });
  }

  function crash(node: SimNode): void {
    node.up = false;
    node.epoch++;
  }

  function restart(node: SimNode): void {
    if (node.up) return;
    node.up = true;
    node.engine = makeEngine(node.key, node.chain, node.disk, node.verifier);
    startNext(node);
  }

  function deliver(node: SimNode, from: number, wire: Wire): void {
    switch (wire.kind) {
      case 'consensus':
        engineInputs++;
        perform(node, node.engine.handleMessage(wire.message));
        return;
      case 'tx':
        node.chain.addTx(wire.tx);
        return;
      case 'sync-request': {
        const blocks = node.chain.blocks.slice(wire.height - 1, wire.height - 1 + SYNC_BATCH);
        if (blocks.length > 0) send(node.index, from, { kind: 'sync-response', blocks });
        return;
      }
      case 'sync-response': {
        let applied = false;
        for (const { block, certificate } of wire.blocks) {
          if (block.header.height !== node.chain.height + 1) continue;
          // A LEAG catching up checks each certificate against the committee it computes itself (DESIGN §8).
          const selection = node.chain.nextCommittee();
          if (!selection.ok) break;
          if (!verifyCertificate(certificate, selection.committee, genesis.chainId, node.verifier).ok) break;
          if (!node.chain.validate(block).ok) break;
          onCommit(node, block, certificate);
          applied = true;
        }
        if (applied) startNext(node);
        return;
      }
    }
  }

  // ---- run -------------------------------------------------------------------------------------
  for (const n of nodes) startNext(n);
  let healed = false;
  const trace = process.env.SIM_TRACE === '1';
  let nextTrace = 0;
  for (;;) {
    const next = queue.pop();
    if (!next || next.time > o.durationMs) break;
    if (o.stopAtHeight > 0 && honest.every((n) => n.chain.height >= o.stopAtHeight)) break;
    now = next.time;
    if (!healed && now >= o.faultsEndMs) {
      healed = true;
      heightAtHeal = Math.max(...honest.map((n) => n.chain.height));
      for (const n of honest) if (n.chain.height >= heightAtHeal + 2) reachedAt.set(n.index, now);
    }
    const e = next.event;
    if (trace && now >= nextTrace) {
      nextTrace += 1000;
      const st = nodes.map((n) => {
        const s = n.engine.status();
        return `${n.index}${n.up ? '' : '(down)'}:h${s.height}r${s.round}${s.step}${s.lock ? `L${s.lock.round}` : ''}`;
      });
      if (
        process.env.SIM_DUMP &&
        now >= Number(process.env.SIM_DUMP) &&
        now < Number(process.env.SIM_DUMP) + 1000
      ) {
        for (const n of nodes) {
          // biome-ignore lint/suspicious/noExplicitAny: debugging dump
          const e: any = n.engine;
          const props = [...e.proposals.entries()].map(
            ([r, p]: [number, Proposal]) =>
              `r${r}:vr${p.validRound}:${toHex(blockHash(p.block.header)).slice(0, 6)}`,
          );
          const who = (v: string) => keys.findIndex((kk) => toHex(kk.publicKey) === v);
          const fmt = (vs: { byKey: Map<string, Map<string, unknown>> }) =>
            [...vs.byKey.entries()]
              .map(([k, m]) => `${k.slice(0, 6)}=${[...m.keys()].map(who).join(',')}`)
              .join('/');
          const preps = [...e.prepares.entries()].map(([r, vs]: [number, never]) => `r${r}:${fmt(vs)}`);
          const comms = [...e.commits.entries()].map(([r, vs]: [number, never]) => `r${r}:${fmt(vs)}`);
          process.stderr.write(
            `  node ${n.index} ${n.behaviour} validRound=${e.validRound} props[${props.join(' ')}] prepares[${preps.join(' ')}] commits[${comms.join(' ')}]\n`,
          );
        }
      }
      process.stderr.write(`t=${now} partition=${partition?.join('') ?? '-'} ${st.join(' ')}\n`);
    }
    switch (e.kind) {
      case 'deliver': {
        const node = nodes[e.to]!;
        if (node.up) deliver(node, e.from, e.wire);
        break;
      }
      case 'timeout': {
        const node = nodes[e.node]!;
        if (node.up && node.epoch === e.epoch) {
          engineInputs++;
          perform(node, node.engine.handleTimeout(e.timeout));
        }
        break;
      }
      case 'crash': {
        const node = nodes[e.node]!;
        if (e.afterPersist) node.crashAfterPersist = true;
        else crash(node);
        break;
      }
      case 'restart': {
        const node = nodes[e.node]!;
        node.crashAfterPersist = false;
        restart(node);
        break;
      }
      case 'spam': {
        const node = nodes[e.node]!;
        if (node.up) spam(node);
        break;
      }
      case 'partition':
        partition = e.groups;
        break;
      case 'gossip': {
        const node = nodes[e.node]!;
        if (node.up) for (const tx of node.chain.pendingEvidence()) broadcast(node.index, { kind: 'tx', tx });
        queue.push(now + 1000, { kind: 'gossip', node: e.node });
        break;
      }
    }
  }

  // ---- end-of-run checks -----------------------------------------------------------------------
  for (const n of nodes) {
    if (!n.up) violate(`leag-${n.index} still down at the end`);
  }
  for (const n of honest) {
    if (n.halted !== null) violate(`honest leag-${n.index} halted: ${n.halted}`);
  }
  if (livenessExpected && heightAtHeal >= 0) {
    for (const n of honest) {
      const t = reachedAt.get(n.index);
      if (t === undefined || t > o.faultsEndMs + o.livenessBoundMs) {
        violate(
          `liveness: leag-${n.index} did not reach height ${heightAtHeal + 2} within ${o.livenessBoundMs} ms of healing (at ${n.chain.height})`,
        );
      }
    }
  }
  const best = honest.reduce((a, b) => (b.chain.height > a.chain.height ? b : a), honest[0]!);
  const view = new StateView(best.chain.store);
  const reputation = (i: number) => view.read(leagCodec, Keys.leag(keys[i]!.publicKey))?.reputationPpm ?? 0;
  for (const n of honest) {
    if (reputation(n.index) < params.rMinPpm)
      violate(`honest leag-${n.index} fell below R_min (${reputation(n.index)})`);
  }
  if (livenessExpected) {
    for (const [i, at] of evidenceAt) {
      // Evidence needs time to reach a block: only evidence found well before the end is judged.
      if (at < o.durationMs - o.livenessBoundMs && reputation(i) >= params.rMinPpm) {
        violate(`equivocator leag-${i} (${behaviours[i]}) still at ${reputation(i)} ppm`);
      }
    }
  }
  let evidenceCommitted = 0;
  for (const b of best.chain.blocks)
    for (const tx of b.block.txs) if (tx.body.kind === 'evidence') evidenceCommitted++;
  const heights = honest.map((n) => n.chain.height);
  return {
    seed: o.seed,
    violations,
    minHeight: Math.min(...heights),
    maxHeight: Math.max(...heights),
    engineInputs,
    messagesSent,
    evidenceCommitted,
    equivocations,
    virtualMs: now,
    behaviours,
  };
}
