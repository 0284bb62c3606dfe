// The iptables nat rules of node-level transparent capture, as a pure list (table-tested). ztunnel runs in the
// node's namespace; workloads sit behind veths matched by an interface pattern. Exclusion of ztunnel's own
// connections is by where packets enter: capture happens in PREROUTING, which only sees packets arriving from
// another namespace, so sockets ztunnel opens itself (HBONE out, connections to apps, xDS) never pass it. No mark
// and no owner match are needed; the one OUTPUT rule catches only HBONE to a workload on this very node.

/** Chains of our own, so removal never touches rules we did not write. */
export const CHAINS = { prerouting: 'AMBIENT_PREROUTING', output: 'AMBIENT_OUTPUT' } as const;

export interface CaptureRuleOptions {
  /** iptables interface match for the workload-facing veths, e.g. `vw+`. */
  readonly workloadInterfaces: string;
  readonly outboundPort: number;
  readonly hbonePort: number;
  readonly inboundPlaintextPort: number;
  /** With --dns-capture: the DNS proxy's port, where the workloads' queries (UDP and TCP port 53) are sent. */
  readonly dnsPort?: number;
  /** Install source preservation too (originalSourceRules). */
  readonly originalSource?: boolean;
  /** Install every rule for IPv6 too, with ip6tables and `ip -6` (Istio's IPV6_ENABLED). */
  readonly ipv6?: boolean;
}

export type IpFamily = 4 | 6;

/** A command line of `iptables` (IPv4) or `ip6tables` (IPv6) on one table, waiting for the xtables lock. */
export function xtables(family: IpFamily, table: 'nat' | 'mangle', args: readonly string[]): string[] {
  return [family === 6 ? 'ip6tables' : 'iptables', '-w', '5', '-t', table, ...args];
}

/** An `ip` command line for one family: `ip -6 …` for IPv6. */
const ip = (family: IpFamily, ...args: string[]): string[] => (family === 6 ? ['ip', '-6', ...args] : ['ip', ...args]);

/**
 * `iptables -t nat` argument lists (without the binary) that install capture, in order; the same lists serve
 * ip6tables, whose nat table has the same matches and REDIRECT.
 */
export function captureRules(o: CaptureRuleOptions): string[][] {
  const pre = CHAINS.prerouting;
  const out = CHAINS.output;
  const redirect = (port: number): string[] => ['-j', 'REDIRECT', '--to-ports', String(port)];
  // A workload's DNS queries, to whatever resolver it was given, go to the DNS proxy (before the TCP rules below
  // would take TCP queries as outbound connections).
  const dns = o.dnsPort === undefined ? [] : ['udp', 'tcp'].map((proto) => ['-A', pre, '-i', o.workloadInterfaces, '-p', proto, '--dport', '53', ...redirect(o.dnsPort as number)]);
  return [
    ['-N', pre],
    ['-N', out],
    ...dns,
    // Outbound: every new TCP connection a workload opens goes to 15001, except to the node itself.
    ['-A', pre, '-i', o.workloadInterfaces, '-p', 'tcp', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'RETURN'],
    ['-A', pre, '-i', o.workloadInterfaces, '-p', 'tcp', ...redirect(o.outboundPort)],
    // Inbound from the wire: only what is on its way to a workload (not to the node's own addresses).
    ['-A', pre, '-p', 'tcp', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'RETURN'],
    ['-A', pre, '-p', 'tcp', '--dport', String(o.hbonePort), ...redirect(o.hbonePort)],
    ['-A', pre, '-p', 'tcp', ...redirect(o.inboundPlaintextPort)],
    // ztunnel's own HBONE to a workload on this node (same-node traffic) comes back to its 15008.
    ['-A', out, '-o', o.workloadInterfaces, '-p', 'tcp', '--dport', String(o.hbonePort), ...redirect(o.hbonePort)],
    ['-A', 'PREROUTING', '-j', pre],
    ['-A', 'OUTPUT', '-j', out],
  ];
}

/** The fwmark and routing table of source preservation (the values Istio's TPROXY setup used: 0x539, table 133). */
export const ORIGINAL_SOURCE = { mark: '0x539', table: '133' } as const;

/**
 * The ip rule for same-node HBONE from a borrowed source: the OUTPUT REDIRECT gives the accepted socket 127.0.0.1, and
 * a reply from a loopback address routed to a workload's veth is refused by the kernel (EINVAL, the SYN-ACK is never
 * sent) before any netfilter hook could mark it, so the route has to be chosen by the source itself: replies from
 * 127.0.0.1:<hbonePort>, locally generated (`iif lo`), go to table 133 and over lo to ztunnel's transparent client
 * socket (the reply is un-NATed on the way). Nothing else matches: HBONE REDIRECTed from the wire is answered from
 * the wire address, and replies to the node's own addresses are settled by the local table first.
 */
const loopedHbone = (family: IpFamily): string[] => ['from', family === 6 ? '::1' : '127.0.0.1', 'iif', 'lo', 'ipproto', 'tcp'];

/**
 * Source preservation, as full command lines: packets of a transparent socket (replies to an address ztunnel
 * borrowed, arriving from a workload or the wire) are marked in mangle PREROUTING, and the mark is routed to this
 * host, so they reach the socket instead of being forwarded to the address's owner; replies of this ztunnel's 15008
 * to its own same-node HBONE take the same table by their source (loopedHbone). IPv6 has its own netfilter tables
 * and routing rules: the same list with ip6tables, `ip -6`, ::1 and `local ::/0`.
 */
export function originalSourceRules(o: Pick<CaptureRuleOptions, 'hbonePort'>, family: IpFamily = 4): string[][] {
  const chain = CHAINS.prerouting;
  const mangle = (...args: string[]): string[] => xtables(family, 'mangle', args);
  return [
    mangle('-N', chain),
    mangle('-A', chain, '-p', 'tcp', '-m', 'socket', '--transparent', '-j', 'MARK', '--set-mark', ORIGINAL_SOURCE.mark),
    mangle('-A', 'PREROUTING', '-j', chain),
    ip(family, 'rule', 'add', 'fwmark', ORIGINAL_SOURCE.mark, 'lookup', ORIGINAL_SOURCE.table),
    ip(family, 'rule', 'add', ...loopedHbone(family), 'sport', String(o.hbonePort), 'lookup', ORIGINAL_SOURCE.table),
    ip(family, 'route', 'add', 'local', family === 6 ? '::/0' : '0.0.0.0/0', 'dev', 'lo', 'table', ORIGINAL_SOURCE.table),
  ];
}

/** Removes source preservation; each may fail harmlessly when that part is already gone. */
export function originalSourceRemoval(family: IpFamily = 4): string[][] {
  const chain = CHAINS.prerouting;
  const mangle = (...args: string[]): string[] => xtables(family, 'mangle', args);
  return [
    mangle('-D', 'PREROUTING', '-j', chain),
    mangle('-F', chain),
    mangle('-X', chain),
    ip(family, 'rule', 'del', 'fwmark', ORIGINAL_SOURCE.mark, 'lookup', ORIGINAL_SOURCE.table),
    // Without the port: the kernel deletes the rule whatever port an earlier run used (unnamed selectors match any).
    ip(family, 'rule', 'del', ...loopedHbone(family), 'lookup', ORIGINAL_SOURCE.table),
    ip(family, 'route', 'flush', 'table', ORIGINAL_SOURCE.table),
  ];
}

/** The argument lists that remove capture; each may fail harmlessly when that part is already gone. */
export function removalRules(): string[][] {
  return [
    ['-D', 'PREROUTING', '-j', CHAINS.prerouting],
    ['-D', 'OUTPUT', '-j', CHAINS.output],
    ['-F', CHAINS.prerouting],
    ['-F', CHAINS.output],
    ['-X', CHAINS.prerouting],
    ['-X', CHAINS.output],
  ];
}

const INTERFACE = /^[A-Za-z0-9_.-]{1,15}\+?$/;

/** Why `pattern` is not an iptables interface match, or undefined when it is one. */
export function interfacePatternProblem(pattern: string): string | undefined {
  return INTERFACE.test(pattern) ? undefined : `must be an interface name or prefix for iptables -i (letters, digits, '_', '.', '-', at most 15, optional trailing '+'), got "${pattern}"`;
}
