// The pure half of a topology: checks a spec and lays it out (namespace names, interfaces, addresses, routes) and
// lists the commands that build it, so the whole shape is table-tested without root.
import { NetnsError } from './errors.js';

export interface NodeSpec {
  readonly name: string;
  /** Workload names; each gets its own namespace behind a veth pair to this node. */
  readonly workloads: readonly string[];
}

export interface TopologySpec {
  /** Run-unique prefix of every namespace name (`runPrefix()` makes one). */
  readonly prefix: string;
  readonly nodes: readonly NodeSpec[];
  /** Namespaces on the wire without workloads, e.g. the control plane. */
  readonly hosts?: readonly string[];
  /** Bring `lo` up in every namespace (default true). */
  readonly loopback?: boolean;
  /**
   * Give every interface an IPv6 address too (ULA, fd00::/8), with forwarding and routes, so workloads are
   * dual-stack (default false: IPv4 only).
   */
  readonly ipv6?: boolean;
}

export interface NodeLayout {
  readonly name: string;
  readonly namespace: string;
  /** Its interface on the wire, inside its namespace (tcpdump here sees all node-to-node traffic). */
  readonly wireInterface: string;
  readonly wireIp: string;
  /** With `ipv6`: its IPv6 address on the wire. */
  readonly wireIp6?: string;
  /** Every workload of this node has an address in this range. */
  readonly podCidr: string;
  /** With `ipv6`: every workload's IPv6 address of this node is in this range. */
  readonly podCidr6?: string;
  /** Node-side veth names of its workloads start with this (an iptables `-i vw+` match). */
  readonly workloadInterfacePrefix: string;
}

export interface WorkloadLayout {
  readonly name: string;
  readonly node: string;
  readonly namespace: string;
  readonly ip: string;
  /** With `ipv6`: its IPv6 address. */
  readonly ip6?: string;
  /** The node's end of the veth pair: the workload's default gateway. */
  readonly gateway: string;
  /** With `ipv6`: the node's IPv6 address on the veth, the workload's IPv6 default gateway. */
  readonly gateway6?: string;
  /** The node-side veth name, in the node's namespace. */
  readonly nodeInterface: string;
}

export interface HostLayout {
  readonly name: string;
  readonly namespace: string;
  readonly wireIp: string;
  /** With `ipv6`: its IPv6 address on the wire. */
  readonly wireIp6?: string;
}

export interface Layout {
  readonly prefix: string;
  /** The namespace holding the wire: a bridge that every node and host is plugged into. */
  readonly wireNamespace: string;
  readonly wireCidr: string;
  /** With `ipv6`: the wire's IPv6 range. */
  readonly wireCidr6?: string;
  readonly nodes: readonly NodeLayout[];
  readonly workloads: readonly WorkloadLayout[];
  readonly hosts: readonly HostLayout[];
  /** Every namespace, in creation order. */
  readonly namespaces: readonly string[];
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const PREFIX = /^[a-z0-9][a-z0-9-]{0,40}$/;
const MAX_NODES = 200;
const MAX_WORKLOADS_PER_NODE = 250;
const MAX_HOSTS = 50;
const WIRE_INTERFACE = 'wire0';
const WORKLOAD_PREFIX = 'vw';
const BRIDGE = 'br0';

/** Checks the spec (every problem at once) and assigns names and addresses: deterministic for one spec. */
export function layoutTopology(spec: TopologySpec): Layout {
  checkSpec(spec);
  const ns = (name: string): string => `${spec.prefix}-${name}`;
  // IPv6 mirrors IPv4 (node i+1, workload j): wire fd00:ff::/64, node pods fd00:<i+1>::/32, a workload's veth
  // fd00:<i+1>:<j>::/64 — the decimal numbers written as hex groups, which keeps both plans readable side by side.
  const v6 = spec.ipv6 === true;
  const nodes = spec.nodes.map((node, i): NodeLayout => ({
    name: node.name,
    namespace: ns(node.name),
    wireInterface: WIRE_INTERFACE,
    wireIp: `10.255.0.${i + 1}`,
    ...(v6 ? { wireIp6: `fd00:ff::${i + 1}` } : {}),
    podCidr: `10.${i + 1}.0.0/16`,
    ...(v6 ? { podCidr6: `fd00:${i + 1}::/32` } : {}),
    workloadInterfacePrefix: WORKLOAD_PREFIX,
  }));
  const workloads = spec.nodes.flatMap((node, i) =>
    node.workloads.map((name, j): WorkloadLayout => ({
      name,
      node: node.name,
      namespace: ns(name),
      ip: `10.${i + 1}.${j}.2`,
      ...(v6 ? { ip6: canonical6(`fd00:${i + 1}:${j}::2`) } : {}),
      gateway: `10.${i + 1}.${j}.1`,
      ...(v6 ? { gateway6: canonical6(`fd00:${i + 1}:${j}::1`) } : {}),
      nodeInterface: `${WORKLOAD_PREFIX}${j}`,
    })),
  );
  const hosts = (spec.hosts ?? []).map((name, j): HostLayout => ({
    name,
    namespace: ns(name),
    wireIp: `10.255.0.${254 - j}`,
    ...(v6 ? { wireIp6: `fd00:ff::${254 - j}` } : {}),
  }));
  const wireNamespace = ns('wire');
  return {
    prefix: spec.prefix,
    wireNamespace,
    wireCidr: '10.255.0.0/24',
    ...(v6 ? { wireCidr6: 'fd00:ff::/64' } : {}),
    nodes,
    workloads,
    hosts,
    namespaces: [wireNamespace, ...nodes.map((n) => n.namespace), ...hosts.map((h) => h.namespace), ...workloads.map((w) => w.namespace)],
  };
}

/** RFC 5952 text ('fd00:1:0::2' → 'fd00:1::2'), as the kernel and Node print addresses back. */
function canonical6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** The commands that build `layout`, in order; each is an argv for `ip` or `sysctl` (the latter via `ip netns exec`). */
export function buildCommands(layout: Layout, loopback = true): string[][] {
  const out: string[][] = layout.namespaces.map((n) => ['ip', 'netns', 'add', n]);
  if (loopback) for (const n of layout.namespaces) out.push(['ip', '-n', n, 'link', 'set', 'lo', 'up']);
  const wire = layout.wireNamespace;
  out.push(['ip', '-n', wire, 'link', 'add', BRIDGE, 'type', 'bridge'], ['ip', '-n', wire, 'link', 'set', BRIDGE, 'up']);
  // `nodad`: an IPv6 address is usable at once instead of after duplicate address detection (about 2 s).
  const addr6 = (namespace: string, cidr: string, dev: string): string[] => ['ip', '-n', namespace, '-6', 'addr', 'add', cidr, 'dev', dev, 'nodad'];
  const plug = (namespace: string, port: string, ip: string, ip6: string | undefined): void => {
    // Both ends are created inside their namespaces: nothing ever appears in the root namespace.
    out.push(
      ['ip', 'link', 'add', WIRE_INTERFACE, 'netns', namespace, 'type', 'veth', 'peer', 'name', port, 'netns', wire],
      ['ip', '-n', wire, 'link', 'set', port, 'master', BRIDGE],
      ['ip', '-n', wire, 'link', 'set', port, 'up'],
      ['ip', '-n', namespace, 'addr', 'add', `${ip}/24`, 'dev', WIRE_INTERFACE],
      ...(ip6 ? [addr6(namespace, `${ip6}/64`, WIRE_INTERFACE)] : []),
      ['ip', '-n', namespace, 'link', 'set', WIRE_INTERFACE, 'up'],
    );
  };
  layout.nodes.forEach((node, i) => plug(node.namespace, `n${i}`, node.wireIp, node.wireIp6));
  layout.hosts.forEach((host, j) => plug(host.namespace, `h${j}`, host.wireIp, host.wireIp6));
  for (const w of layout.workloads) {
    const node = layout.nodes.find((n) => n.name === w.node) as NodeLayout;
    out.push(
      ['ip', 'link', 'add', 'eth0', 'netns', w.namespace, 'type', 'veth', 'peer', 'name', w.nodeInterface, 'netns', node.namespace],
      ['ip', '-n', node.namespace, 'addr', 'add', `${w.gateway}/30`, 'dev', w.nodeInterface],
      ['ip', '-n', node.namespace, 'link', 'set', w.nodeInterface, 'up'],
      ['ip', '-n', w.namespace, 'addr', 'add', `${w.ip}/30`, 'dev', 'eth0'],
      ['ip', '-n', w.namespace, 'link', 'set', 'eth0', 'up'],
      ['ip', '-n', w.namespace, 'route', 'add', 'default', 'via', w.gateway],
    );
    if (w.ip6 && w.gateway6) {
      out.push(
        addr6(node.namespace, `${w.gateway6}/64`, w.nodeInterface),
        addr6(w.namespace, `${w.ip6}/64`, 'eth0'),
        ['ip', '-n', w.namespace, '-6', 'route', 'add', 'default', 'via', w.gateway6],
      );
    }
  }
  const route6 = (namespace: string, node: NodeLayout): string[][] =>
    node.podCidr6 && node.wireIp6 ? [['ip', '-n', namespace, '-6', 'route', 'add', node.podCidr6, 'via', node.wireIp6]] : [];
  for (const node of layout.nodes) {
    out.push(['ip', 'netns', 'exec', node.namespace, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    if (node.wireIp6) out.push(['ip', 'netns', 'exec', node.namespace, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    for (const other of layout.nodes) if (other !== node) out.push(['ip', '-n', node.namespace, 'route', 'add', other.podCidr, 'via', other.wireIp], ...route6(node.namespace, other));
  }
  // Hosts reach every pod range too (a client outside the mesh, or the control plane answering a workload).
  for (const host of layout.hosts) for (const node of layout.nodes) out.push(['ip', '-n', host.namespace, 'route', 'add', node.podCidr, 'via', node.wireIp], ...route6(host.namespace, node));
  return out;
}

function checkSpec(spec: TopologySpec): void {
  const problems: string[] = [];
  if (typeof spec.prefix !== 'string' || !PREFIX.test(spec.prefix)) problems.push(`prefix must be lower-case letters, digits and '-' (at most 41), got ${JSON.stringify(spec.prefix)}`);
  const nodes = Array.isArray(spec.nodes) ? spec.nodes : [];
  if (nodes.length === 0) problems.push('at least one node is needed');
  if (nodes.length > MAX_NODES) problems.push(`at most ${MAX_NODES} nodes, got ${nodes.length}`);
  const hosts = spec.hosts ?? [];
  if (hosts.length > MAX_HOSTS) problems.push(`at most ${MAX_HOSTS} hosts, got ${hosts.length}`);
  const seen = new Set<string>(['wire']);
  const name = (what: string, value: unknown): void => {
    if (typeof value !== 'string' || !NAME.test(value)) problems.push(`${what} name must be 1-32 lower-case letters, digits or '-', got ${JSON.stringify(value)}`);
    else if (seen.has(value)) problems.push(`${what} name "${value}" is used twice (or is the reserved "wire")`);
    else seen.add(value);
  };
  for (const node of nodes) {
    name('node', node?.name);
    const workloads = Array.isArray(node?.workloads) ? node.workloads : [];
    if (workloads.length > MAX_WORKLOADS_PER_NODE) problems.push(`node "${node.name}" has ${workloads.length} workloads, at most ${MAX_WORKLOADS_PER_NODE}`);
    for (const w of workloads) name('workload', w);
  }
  for (const h of hosts) name('host', h);
  if (spec.ipv6 !== undefined && typeof spec.ipv6 !== 'boolean') problems.push(`ipv6 must be true or false, got ${JSON.stringify(spec.ipv6)}`);
  if (problems.length > 0) throw new NetnsError('NETNS_ERR_SPEC', `bad topology: ${problems.join('; ')}`);
}
