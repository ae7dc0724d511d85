import { sh, shSync } from './sh.ts';

/**
 * The namespaces, links and addresses of one chaos run. Everything carries
 * the `v2gchaos` prefix, so a run can remove what a crashed run left behind:
 *
 *   root ns   v2gchaos-h 10.77.0.1/24 ──veth── up0 ┐
 *   v2gchaos-hub                         bridge br0 ├─ l0 ──veth── eth0 10.77.0.11/24  v2gchaos-0
 *                                                   └─ l1 ──veth── eth0 10.77.0.12/24  v2gchaos-1 …
 *
 * The bridge lives in its own namespace, so the root namespace gains one
 * interface and no firewall rule. Filter rules live in the LEAGs' namespaces
 * and disappear with them.
 */
export const PREFIX = 'v2gchaos';
export const HUB = `${PREFIX}-hub`;
export const ROOT_LINK = `${PREFIX}-h`;
export const SUBNET = '10.77.0';
export const ROOT_ADDRESS = `${SUBNET}.1`;
export const CHAIN = 'V2GCHAOS';

/**
 * The name prefix and /24 subnet of one harness's hosts. Chaos runs use
 * CHAOS_NET; another harness (the scale bench) passes its own, so both can
 * run at once without removing each other's namespaces.
 */
export interface HostNet {
  readonly prefix: string;
  readonly subnet: string;
}
export const CHAOS_NET: HostNet = { prefix: PREFIX, subnet: SUBNET };

export function nsName(i: number, net: HostNet = CHAOS_NET): string {
  return `${net.prefix}-${i}`;
}

export function leagAddress(i: number, net: HostNet = CHAOS_NET): string {
  return `${net.subnet}.${11 + i}`;
}

/** Why namespaces cannot be used here, or null when they can. */
export async function namespaceSupport(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const tool of ['ip', 'iptables-restore']) {
    if (!(await sh('sh', ['-c', `command -v ${tool}`]).catch(() => '')))
      return `\`${tool}\` is not installed`;
  }
  try {
    await sh('ip', ['netns', 'add', `${PREFIX}-probe`]);
    await sh('ip', ['netns', 'del', `${PREFIX}-probe`]);
  } catch (err) {
    return `cannot create network namespaces: ${err instanceof Error ? err.message : String(err)}`;
  }
  return null;
}

export async function createTopology(leags: number, net: HostNet = CHAOS_NET): Promise<void> {
  const ipn = (ns: string, ...args: string[]) => sh('ip', ['-n', ns, ...args]);
  const HUB = `${net.prefix}-hub`;
  const ROOT_LINK = `${net.prefix}-h`;
  const ROOT_ADDRESS = `${net.subnet}.1`;
  await sh('ip', ['netns', 'add', HUB]);
  await ipn(HUB, 'link', 'set', 'lo', 'up');
  await ipn(HUB, 'link', 'add', 'br0', 'type', 'bridge');
  await ipn(HUB, 'link', 'set', 'br0', 'up');
  await sh('ip', ['link', 'add', ROOT_LINK, 'type', 'veth', 'peer', 'name', 'up0', 'netns', HUB]);
  await ipn(HUB, 'link', 'set', 'up0', 'master', 'br0', 'up');
  await sh('ip', ['addr', 'add', `${ROOT_ADDRESS}/24`, 'dev', ROOT_LINK]);
  await sh('ip', ['link', 'set', ROOT_LINK, 'up']);
  for (let i = 0; i < leags; i++) {
    const ns = nsName(i, net);
    await sh('ip', ['netns', 'add', ns]);
    await ipn(ns, 'link', 'set', 'lo', 'up');
    await ipn(HUB, 'link', 'add', `l${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ipn(HUB, 'link', 'set', `l${i}`, 'master', 'br0', 'up');
    await ipn(ns, 'addr', 'add', `${leagAddress(i, net)}/24`, 'dev', 'eth0');
    await ipn(ns, 'link', 'set', 'eth0', 'up');
    await applyRules(i, [], net);
  }
}

/**
 * Replaces the fault rules of LEAG i's namespace (its INPUT chain jumps to
 * CHAIN): DROP from partitioned LEAGs, random DROP for loss. Only traffic
 * from LEAG addresses is touched; the harness's API calls never are.
 */
export async function applyRules(
  i: number,
  rules: readonly string[],
  net: HostNet = CHAOS_NET,
): Promise<void> {
  const script = [
    '*filter',
    `:${CHAIN} - [0:0]`,
    `-F ${CHAIN}`,
    ...rules.map((r) => `-A ${CHAIN} ${r}`),
    'COMMIT',
    '',
  ];
  await sh('ip', ['netns', 'exec', nsName(i, net), 'iptables-restore', '--noflush'], script.join('\n'));
  const jump = ['-C', 'INPUT', '-j', CHAIN];
  const present = await sh('ip', ['netns', 'exec', nsName(i, net), 'iptables', ...jump]).then(
    () => true,
    () => false,
  );
  if (!present) await sh('ip', ['netns', 'exec', nsName(i, net), 'iptables', '-I', 'INPUT', '-j', CHAIN]);
}

/** Namespaces of this or an earlier run. */
export function ourNamespaces(net: HostNet = CHAOS_NET): string[] {
  return shSync('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${net.prefix}-`));
}

/**
 * Removes every namespace with our prefix, first SIGKILLing the processes
 * inside them (daemons and relays a run started), then the root link.
 * Synchronous, so it also runs from an exit handler.
 */
export function removeTopologySync(net: HostNet = CHAOS_NET): string[] {
  const removed: string[] = [];
  for (const ns of ourNamespaces(net)) {
    for (const pid of shSync('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    shSync('ip', ['netns', 'del', ns]);
    removed.push(ns);
  }
  const rootLink = `${net.prefix}-h`;
  if (shSync('ip', ['link', 'show', rootLink])) shSync('ip', ['link', 'del', rootLink]);
  return removed;
}
