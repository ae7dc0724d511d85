import { isQuorum } from '@v2g/consensus';
import { type BlockJson, type CommitteeJson, get, type Head } from './api.ts';
import type { Auditor } from './auditor.ts';
import type { Fleet } from './fleet.ts';
import type { Hosts, NetworkFaults } from './hosts.ts';
import type { Action, FaultKind, Target, TimedAction } from './schedule.ts';

/** `final-heal`: the end of the run, when every LEAG is started and the network healed. */
export type RecordKind = FaultKind | 'final-heal';

export interface FaultRecord {
  readonly atMs: number;
  readonly episode: number;
  readonly kind: RecordKind;
  readonly action: string;
  /** Why the action was not applied (e.g. no namespaces, no libfaketime). */
  readonly skipped?: string;
  /** LEAGs whose process died by it (SIGKILL), for attributing lost transactions. */
  readonly killed?: readonly number[];
  readonly quorum: boolean;
}

export interface RunnerOptions {
  readonly fleet: Fleet;
  readonly hosts: Hosts;
  readonly auditor: Auditor;
  /** LEAG public keys (hex) in index order. */
  readonly leagKeys: readonly string[];
  /** Byzantine LEAGs whose votes cannot be counted on: they never make a quorum available. */
  readonly nonVoting?: ReadonlySet<number>;
  now(): number;
  log(line: string): void;
}

/**
 * Applies the schedule's actions to the daemons and the network, keeps the
 * fault state (who runs, the partition), and tells the auditor after every
 * action whether a quorum of the committee is running and connected.
 */
export class FaultRunner {
  readonly records: FaultRecord[] = [];
  private readonly o: RunnerOptions;
  private faults: NetworkFaults = { partition: null, loss: 0, latencyMs: 0 };
  private readonly leaders = new Map<number, number>();
  private killed: number[] = [];
  /** Committee members (LEAG index → weight); until the first answer, every LEAG with weight 1. */
  private committee = new Map<number, number>();
  /** LEAGs started whose API does not answer yet, by the run time of their start. */
  private readonly booting = new Map<number, number>();
  private committeeLine = '';
  /** Every start, and how long until the daemon's API answered (null: it never did before it was stopped). */
  readonly boots: { leag: number; atMs: number; ms: number | null }[] = [];

  constructor(o: RunnerOptions) {
    this.o = o;
    for (let i = 0; i < o.leagKeys.length; i++) this.committee.set(i, 1);
  }

  async apply(t: TimedAction | (Omit<TimedAction, 'kind'> & { kind: 'final-heal' })): Promise<void> {
    // A failed action (a disk copy that failed, an iptables error) is recorded, not fatal.
    this.killed = [];
    const skipped = await this.perform(t).catch(
      (err: unknown) => `failed: ${err instanceof Error ? err.message : String(err)}`,
    );
    const quorum = this.quorumAvailable();
    const action = describeAction(t.action, this.leaders.get(t.episode));
    this.records.push({
      atMs: this.o.now(),
      episode: t.episode,
      kind: t.kind,
      action,
      quorum,
      ...(skipped ? { skipped } : {}),
      ...(this.killed.length > 0 ? { killed: this.killed } : {}),
    });
    this.o.log(
      `${(this.o.now() / 1000).toFixed(1)}s ${t.kind}: ${action}${skipped ? ` (skipped: ${skipped})` : ''}`,
    );
    if (!skipped) {
      this.o.auditor.recovery.action(
        { atMs: this.o.now(), what: `${t.kind}: ${action}`, heal: isHeal(t.action) },
        quorum,
      );
    }
  }

  /** The end of the run: every LEAG up, the network whole. */
  async healAll(): Promise<void> {
    const episode = -1;
    if (this.faults.partition || this.faults.loss > 0 || this.faults.latencyMs > 0) {
      await this.apply({ atMs: 0, episode, kind: 'final-heal', action: { type: 'heal' } });
      await this.apply({ atMs: 0, episode, kind: 'final-heal', action: { type: 'loss', probability: 0 } });
      await this.apply({ atMs: 0, episode, kind: 'final-heal', action: { type: 'latency', ms: 0 } });
    }
    for (let i = 0; i < this.o.fleet.size; i++) {
      if (!this.o.fleet.isRunning(i) || this.o.fleet.skewOf(i) !== 0) {
        await this.o.fleet.kill(i);
        await this.apply({ atMs: 0, episode, kind: 'final-heal', action: { type: 'start', leag: i } });
      }
    }
  }

  /** Waits (at most `ms`) until no started daemon is still loading; returns how many still are. */
  async waitUntilUp(ms: number, signal: AbortSignal): Promise<number> {
    const deadline = performance.now() + ms;
    while (this.booting.size > 0 && performance.now() < deadline && !signal.aborted) {
      await new Promise((r) => setTimeout(r, 200));
    }
    return this.booting.size;
  }

  /** Asks the highest running LEAG for the committee of the next height. */
  async refreshCommittee(): Promise<void> {
    const best = await this.highest();
    if (best === null) return;
    const c = await get<CommitteeJson>(this.o.hosts.apiUrl(best.leag), '/v1/committee');
    if (!c || c.members.length === 0) return;
    const next = new Map<number, number>();
    for (const m of c.members) {
      const i = this.o.leagKeys.indexOf(m.publicKey);
      if (i >= 0) next.set(i, m.reputationPpm);
    }
    const line = [...next].map(([i, w]) => `leag-${i} ${w}`).join(', ');
    if (line !== this.committeeLine) this.o.log(`${(this.o.now() / 1000).toFixed(1)}s committee: ${line}`);
    this.committeeLine = line;
    this.committee = next;
  }

  /**
   * Some group of the partition holds running committee members weighing
   * more than 2/3, counting only LEAGs that vote honestly and whose daemon
   * has finished starting (its API answers): a quorum is not back while the
   * processes that make it are still loading.
   */
  quorumAvailable(): boolean {
    const running = new Set(
      this.o.fleet.running().filter((i) => !this.o.nonVoting?.has(i) && !this.booting.has(i)),
    );
    const total = [...this.committee.values()].reduce((s, w) => s + w, 0);
    const groups = this.faults.partition ?? [[...this.committee.keys()]];
    return groups.some((g) => {
      const weight = g.reduce((s, i) => s + (running.has(i) ? (this.committee.get(i) ?? 0) : 0), 0);
      return isQuorum(weight, total);
    });
  }

  private async perform(t: Pick<TimedAction, 'episode' | 'action'>): Promise<string | undefined> {
    const { fleet, hosts } = this.o;
    const a = t.action;
    switch (a.type) {
      case 'start': {
        const i = await this.resolve(t.episode, a.leag);
        if (fleet.isRunning(i)) return 'already running';
        const skew = a.skewSec ?? 0;
        if (skew !== 0 && !fleet.faketime) {
          this.start(i, 0);
          return 'libfaketime is not installed: started without clock skew';
        }
        this.start(i, skew);
        return undefined;
      }
      case 'kill': {
        const i = await this.resolve(t.episode, a.leag);
        if (!fleet.isRunning(i)) return 'not running';
        this.killed = [i];
        await fleet.kill(i);
        return undefined;
      }
      case 'kill-all':
        this.killed = fleet.running();
        await Promise.all(this.killed.map((i) => fleet.kill(i)));
        return undefined;
      case 'power-cut': {
        const i = await this.resolve(t.episode, a.leag);
        if (!fleet.isRunning(i)) return 'not running';
        this.killed = [i];
        await fleet.powerCut([i]);
        return undefined;
      }
      case 'power-cut-all':
        this.killed = fleet.running();
        await fleet.powerCut(this.killed);
        return undefined;
      case 'partition': {
        if (!hosts.supportsNetworkFaults) return hosts.fallbackReason ?? 'no network faults';
        const groups: number[][] = [];
        for (const g of a.groups) groups.push(await Promise.all(g.map((x) => this.resolve(t.episode, x))));
        const rest = Array.from({ length: fleet.size }, (_, i) => i).filter(
          (i) => !groups.flat().includes(i),
        );
        if (rest.length > 0) groups.push(rest);
        return this.network({ ...this.faults, partition: groups });
      }
      case 'heal':
        return this.network({ ...this.faults, partition: null });
      case 'loss':
        return this.network({ ...this.faults, loss: a.probability });
      case 'latency':
        return this.network({ ...this.faults, latencyMs: a.ms });
    }
  }

  /** Starts LEAG i and watches for its API to answer: then it counts towards a quorum, and that is a heal. */
  private start(i: number, skewSec: number): void {
    this.o.fleet.start(i, skewSec);
    const startedAt = this.o.now();
    this.booting.set(i, startedAt);
    const boot = { leag: i, atMs: startedAt, ms: null as number | null };
    this.boots.push(boot);
    void this.watchBoot(i, startedAt, boot);
  }

  private async watchBoot(i: number, startedAt: number, boot: { ms: number | null }): Promise<void> {
    while (this.booting.get(i) === startedAt && this.o.fleet.isRunning(i)) {
      const head = await get<Head>(this.o.hosts.apiUrl(i), '/v1/head');
      if (this.booting.get(i) !== startedAt || !this.o.fleet.isRunning(i)) break;
      if (head) {
        this.booting.delete(i);
        boot.ms = this.o.now() - startedAt;
        this.o.auditor.recovery.action(
          {
            atMs: this.o.now(),
            what: `leag-${i} answers ${(boot.ms / 1000).toFixed(1)} s after its start`,
            heal: true,
          },
          this.quorumAvailable(),
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (this.booting.get(i) === startedAt) this.booting.delete(i);
  }

  private async network(next: NetworkFaults): Promise<string | undefined> {
    if (!this.o.hosts.supportsNetworkFaults) return this.o.hosts.fallbackReason ?? 'no network faults';
    await this.o.hosts.applyFaults(next);
    this.faults = next;
    return undefined;
  }

  /** `leader` is the proposer of the highest block any running LEAG holds, fixed for the episode. */
  private async resolve(episode: number, target: Target): Promise<number> {
    if (target !== 'leader') return target;
    const known = this.leaders.get(episode);
    if (known !== undefined) return known;
    let leader = 0;
    const best = await this.highest();
    if (best) {
      const b = await get<BlockJson>(this.o.hosts.apiUrl(best.leag), `/v1/blocks/${best.height}`);
      const i = b ? this.o.leagKeys.indexOf(b.block.header.proposer) : -1;
      if (i >= 0) leader = i;
    }
    this.leaders.set(episode, leader);
    return leader;
  }

  private async highest(): Promise<{ leag: number; height: number } | null> {
    const heads = await Promise.all(
      this.o.fleet
        .running()
        .map(async (leag) => ({ leag, head: await get<Head>(this.o.hosts.apiUrl(leag), '/v1/head') })),
    );
    let best: { leag: number; height: number } | null = null;
    for (const { leag, head } of heads) {
      if (head && head.height > 0 && (!best || head.height > best.height))
        best = { leag, height: head.height };
    }
    return best;
  }
}

function isHeal(a: Action): boolean {
  return (
    a.type === 'start' ||
    a.type === 'heal' ||
    (a.type === 'loss' && a.probability === 0) ||
    (a.type === 'latency' && a.ms === 0)
  );
}

function describeAction(a: Action, leader: number | undefined): string {
  const who = (t: Target) => (t === 'leader' ? `leader leag-${leader ?? '?'}` : `leag-${t}`);
  switch (a.type) {
    case 'start':
      return `start ${who(a.leag)}${a.skewSec ? ` with clock ${a.skewSec > 0 ? '+' : ''}${a.skewSec} s` : ''}`;
    case 'kill':
      return `SIGKILL ${who(a.leag)}`;
    case 'kill-all':
      return 'SIGKILL every LEAG';
    case 'power-cut':
      return `power cut on ${who(a.leag)}`;
    case 'power-cut-all':
      return 'power cut on every LEAG';
    case 'partition':
      return `partition ${a.groups.map((g) => `{${g.map(who).join(', ')}}`).join(' | ')} | the rest`;
    case 'heal':
      return 'heal the partition';
    case 'loss':
      return a.probability === 0 ? 'loss off' : `${Math.round(a.probability * 100)} % packet loss`;
    case 'latency':
      return a.ms === 0 ? 'latency off' : `${a.ms} ms latency`;
  }
}
