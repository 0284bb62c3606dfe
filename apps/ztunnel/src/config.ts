// ztunnel's one frozen config, read from an env-like map of flags keyed '--flag' (CONTRACTS.md, ztunnel).
import net from 'node:net';
import { ConfigReader, parseHostPort, type EnvMap, type HostPort } from '@ambient/core';
import { headerProblem } from '@ambient/grpc';
import { interfacePatternProblem } from './capture/rules.js';

export type CaptureMode = 'loopback' | 'iptables';

export interface ZtunnelConfig {
  /** Serve the workloads whose Workload.node is this name. */
  readonly node: string;
  /** undefined when `--xds-address ''`: no xDS stream, as Istio's XDS_ADDRESS="" (local config only). */
  readonly xdsAddress: HostPort | undefined;
  readonly caAddress: HostPort;
  /** Its contents go out as `authorization: Bearer <contents>`; re-read on every call so rotation works. */
  readonly tokenFile: string;
  /** Trust anchor for the control plane's serving certificate. */
  readonly rootCert: string;
  readonly capture: CaptureMode;
  /** iptables capture: the workload-facing interfaces (an `iptables -i` match such as `vw+`). */
  readonly workloadInterfaces: string;
  readonly adminListen: HostPort;
  readonly metricsListen: HostPort;
  readonly readinessListen: HostPort;
  readonly hbonePort: number;
  readonly socks5Port: number;
  readonly inboundPlaintextPort: number;
  readonly outboundPort: number;
  readonly clusterId: string;
  /** This ztunnel's network (Istio's NETWORK): the scope of every address lookup; '' is the default network. */
  readonly network: string;
  readonly trustDomain: string;
  /** How long SIGTERM lets open tunnels finish before they are cut. */
  readonly drainDeadlineMs: number;
  /** Answer the workloads' DNS queries on dnsPort (Istio's DNS_CAPTURE proxy metadata). */
  readonly dnsCapture: boolean;
  /** UDP and TCP, per workload address (loopback) or on the node (iptables, where port 53 is redirected to it). */
  readonly dnsPort: number;
  /** Resolvers for names outside the mesh, IP:PORT; empty: the nameservers of /etc/resolv.conf, port 53. */
  readonly dnsUpstreams: readonly HostPort[];
  /** The Kubernetes cluster domain: short names and search domains are made from it. */
  readonly clusterDomain: string;
  /** The lifetime asked of the CA for each workload certificate (Istio's SECRET_TTL); renewed at half of it. */
  readonly secretTtlMs: number;
  /** Tunnels per pooled HBONE connection before another is opened (POOL_MAX_STREAMS_PER_CONNECTION). */
  readonly poolMaxStreamsPerConnection: number;
  /** How long a pooled HBONE connection with no tunnel is kept (POOL_UNUSED_RELEASE_TIMEOUT). */
  readonly poolUnusedReleaseTimeoutMs: number;
  /**
   * iptables capture: connect as the original source (Istio's ENABLE_ORIG_SRC). `auto` when this process may open
   * transparent sockets, `true` requires it, `false` leaves from the node's addresses.
   */
  readonly preserveSource: 'auto' | 'true' | 'false';
  /**
   * Istio's IPV6_ENABLED: iptables capture takes IPv6 too (listeners on [::], ip6tables rules) when the kernel has it,
   * and the DNS proxy answers AAAA for mesh names (off: an empty answer).
   */
  readonly ipv6Enabled: boolean;
  /** More headers on the xDS stream and on CA calls (Istio's XDS_HEADER_* and CA_HEADER_*). */
  readonly xdsHeaders: Readonly<Record<string, string>>;
  readonly caHeaders: Readonly<Record<string, string>>;
  /** PEM CRLs from the mesh CA ('' for none): peers whose certificate they revoke are refused (Istio's CRL_PATH). */
  readonly crlPath: string;
  /**
   * Workloads, services and policies from a YAML file in ztunnel's LocalConfig format ('' for none), loaded once at
   * start before xDS (Istio's LOCAL_XDS_PATH); `localXds` is the same YAML given inline (LOCAL_XDS).
   */
  readonly localXdsPath: string;
  readonly localXds: string;
  /**
   * Istio's XDS_ON_DEMAND: Address is subscribed to nothing at start and each address or service looked up when a
   * connection needs it (Authorization stays wildcard). Incompatible with dnsCapture, as in Istio.
   */
  readonly xdsOnDemand: boolean;
  /** With xdsOnDemand: this node's workload addresses, looked up at start and kept subscribed (ZDS's part in Istio). */
  readonly localWorkloadAddresses: readonly string[];
  /** TCP keepalive and TCP_USER_TIMEOUT on every socket ztunnel holds (Istio's `socketConfig`). */
  readonly socketConfig: SocketConfig;
}

/** Istio's SocketConfig (KEEPALIVE_TIME, _INTERVAL, _RETRIES, _ENABLED, USER_TIMEOUT_ENABLED), in whole seconds. */
export interface SocketConfig {
  /** Idle time before the first probe (TCP_KEEPIDLE). */
  readonly keepaliveTimeMs: number;
  /** Between unanswered probes (TCP_KEEPINTVL). */
  readonly keepaliveIntervalMs: number;
  /** Unanswered probes before the connection is given up (TCP_KEEPCNT). */
  readonly keepaliveRetries: number;
  readonly keepaliveEnabled: boolean;
  /** TCP_USER_TIMEOUT of time + retries × interval: unacknowledged data gives up as soon as an idle peer would. */
  readonly userTimeoutEnabled: boolean;
}

/** Every flag ztunnel accepts; each takes a value. */
export const ZTUNNEL_FLAGS = [
  'node',
  'xds-address',
  'ca-address',
  'token-file',
  'root-cert',
  'capture',
  'workload-interfaces',
  'admin-listen',
  'metrics-listen',
  'readiness-listen',
  'hbone-port',
  'socks5-port',
  'inbound-plaintext-port',
  'outbound-port',
  'cluster-id',
  'network',
  'trust-domain',
  'drain-deadline-ms',
  'dns-capture',
  'dns-port',
  'dns-upstream',
  'cluster-domain',
  'secret-ttl',
  'pool-max-streams-per-connection',
  'pool-unused-release-timeout',
  'preserve-source',
  'ipv6-enabled',
  'xds-header',
  'ca-header',
  'crl-path',
  'local-xds-path',
  'local-xds',
  'xds-on-demand',
  'local-workload-addresses',
  'keepalive-time',
  'keepalive-interval',
  'keepalive-retries',
  'keepalive-enabled',
  'user-timeout-enabled',
] as const;

const NODE = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const PORT = { min: 1, max: 65535 };

/** Parses and checks every setting, naming all bad ones in one ConfigError. */
export function readZtunnelConfig(env: EnvMap): ZtunnelConfig {
  const r = new ConfigReader(env);
  const node = r.string('--node');
  if (node !== '' && !NODE.test(node)) r.problem(`--node must be a Kubernetes node name (lower-case letters, digits, '-', '.'), got "${node}"`);
  // Given but empty turns xDS off, as Istio's XDS_ADDRESS=""; workloads then come from --local-xds-path alone.
  const xdsOff = env['--xds-address'] === '';
  const xdsAddress = xdsOff ? undefined : r.hostPort('--xds-address', '127.0.0.1:15012');
  const caRaw = r.optional('--ca-address');
  if (xdsOff && caRaw === undefined) r.problem("--ca-address is required when --xds-address is '' (certificates still come from the mesh CA)");
  const caAddress = caRaw === undefined ? (xdsAddress ?? { host: '', port: 0 }) : r.hostPort('--ca-address', caRaw);
  const localXdsPath = r.string('--local-xds-path', '');
  const localXds = r.string('--local-xds', '');
  if (localXdsPath !== '' && localXds !== '') r.problem('only one of --local-xds-path or --local-xds may be set');
  const trustDomain = r.string('--trust-domain', 'cluster.local');
  if (!/^[a-z0-9._-]+$/.test(trustDomain)) r.problem(`--trust-domain must be lower-case letters, digits, '.', '-' or '_', got "${trustDomain}"`);
  const ports = {
    hbonePort: r.int('--hbone-port', 15008, PORT),
    socks5Port: r.int('--socks5-port', 15080, PORT),
    inboundPlaintextPort: r.int('--inbound-plaintext-port', 15006, PORT),
    outboundPort: r.int('--outbound-port', 15001, PORT),
    dnsPort: r.int('--dns-port', 15053, PORT),
  };
  const workloadInterfaces = r.string('--workload-interfaces', 'vw+');
  const interfaceProblem = interfacePatternProblem(workloadInterfaces);
  if (interfaceProblem) r.problem(`--workload-interfaces ${interfaceProblem}`);
  if (new Set(Object.values(ports)).size !== 5) r.problem('--hbone-port, --socks5-port, --inbound-plaintext-port, --outbound-port and --dns-port must differ');
  const dnsUpstreams = r.list('--dns-upstream').flatMap((raw) => {
    const parsed = parseHostPort(raw);
    if (parsed && net.isIP(parsed.host) !== 0 && parsed.port !== 0) return [parsed];
    r.problem(`--dns-upstream must be a comma-separated list of IP:PORT ([IPv6]:PORT), got "${raw}"`);
    return [];
  });
  const headers = (flag: '--xds-header' | '--ca-header'): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const raw of r.list(flag)) {
      const eq = raw.indexOf('=');
      const problem = eq <= 0 ? `must be NAME=VALUE, got "${raw}"` : headerProblem(raw.slice(0, eq), raw.slice(eq + 1));
      if (problem) r.problem(`${flag} ${problem}`);
      else out[raw.slice(0, eq)] = raw.slice(eq + 1);
    }
    return out;
  };
  const network = r.string('--network', '');
  if (network !== '' && !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(network)) r.problem(`--network must be a network name (letters, digits, '-', '_', '.', at most 63), got "${network}"`);
  const clusterDomain = r.string('--cluster-domain', 'cluster.local').toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(clusterDomain)) r.problem(`--cluster-domain must be a DNS domain such as cluster.local, got "${clusterDomain}"`);
  const dnsCapture = r.bool('--dns-capture', false);
  const xdsOnDemand = r.bool('--xds-on-demand', false);
  // Istio's config validation: the DNS proxy answers from the whole mesh, which an on-demand ztunnel never holds.
  if (dnsCapture && xdsOnDemand) r.problem('--dns-capture true cannot be combined with --xds-on-demand true (the DNS proxy needs every service; Istio refuses DNS_CAPTURE with XDS_ON_DEMAND too)');
  // Istio accepts XDS_ON_DEMAND with XDS_ADDRESS="" and ignores it (no xDS client, so nothing to ask); a flag that
  // silently does nothing is worse than a refusal, so ours names both.
  if (xdsOff && xdsOnDemand) r.problem("--xds-on-demand true needs an xDS server, but --xds-address is '' (xDS off: workloads come from --local-xds-path alone)");
  const localWorkloadAddresses = r.list('--local-workload-addresses').flatMap((raw) => {
    if (net.isIP(raw) !== 0) return [raw];
    r.problem(`--local-workload-addresses must be a comma-separated list of IP addresses, got "${raw}"`);
    return [];
  });
  if (localWorkloadAddresses.length > 0 && !xdsOnDemand) r.problem('--local-workload-addresses is only for --xds-on-demand true (otherwise every workload of the node comes by xDS)');
  return r.done({
    node,
    xdsAddress,
    caAddress,
    tokenFile: r.string('--token-file'),
    rootCert: r.string('--root-cert'),
    capture: r.oneOf('--capture', ['loopback', 'iptables'] as const, 'loopback'),
    workloadInterfaces,
    adminListen: r.hostPort('--admin-listen', '127.0.0.1:15000'),
    metricsListen: r.hostPort('--metrics-listen', '127.0.0.1:15020'),
    readinessListen: r.hostPort('--readiness-listen', '127.0.0.1:15021'),
    ...ports,
    clusterId: r.string('--cluster-id', 'Kubernetes'),
    network,
    trustDomain,
    drainDeadlineMs: r.int('--drain-deadline-ms', 5000, { min: 0, max: 600_000 }),
    dnsCapture,
    // At least a minute (renewed every 30 s at the shortest); the CA clamps at its own maximum (90 days).
    secretTtlMs: r.duration('--secret-ttl', 24 * 3_600_000, { minMs: 60_000, maxMs: 90 * 24 * 3_600_000 }),
    // The peer's SETTINGS_MAX_CONCURRENT_STREAMS still caps it (ours: 200).
    poolMaxStreamsPerConnection: r.int('--pool-max-streams-per-connection', 100, { min: 1, max: 10_000 }),
    poolUnusedReleaseTimeoutMs: r.duration('--pool-unused-release-timeout', 5 * 60_000, { minMs: 1_000, maxMs: 24 * 3_600_000 }),
    preserveSource: r.oneOf('--preserve-source', ['auto', 'true', 'false'] as const, 'auto'),
    ipv6Enabled: r.bool('--ipv6-enabled', true),
    dnsUpstreams,
    clusterDomain,
    xdsHeaders: headers('--xds-header'),
    caHeaders: headers('--ca-header'),
    crlPath: r.string('--crl-path', ''),
    localXdsPath,
    localXds,
    xdsOnDemand,
    localWorkloadAddresses,
    socketConfig: readSocketConfig(r),
  });
}

/** The kernel's limits: TCP_KEEPIDLE and TCP_KEEPINTVL up to 32767 s, TCP_KEEPCNT up to 127, TCP_USER_TIMEOUT an int of ms. */
const KEEPALIVE_MAX_MS = 32_767_000;
const USER_TIMEOUT_MAX_MS = 2 ** 31 - 1;

function readSocketConfig(r: ConfigReader): SocketConfig {
  const seconds = (flag: '--keepalive-time' | '--keepalive-interval'): number => {
    const ms = r.duration(flag, 180_000, { minMs: 1_000, maxMs: KEEPALIVE_MAX_MS });
    if (ms % 1_000 === 0) return ms;
    r.problem(`${flag} must be whole seconds (the kernel counts keepalive time in seconds), got "${r.optional(flag) ?? ''}"`);
    return 180_000;
  };
  const config = {
    keepaliveTimeMs: seconds('--keepalive-time'),
    keepaliveIntervalMs: seconds('--keepalive-interval'),
    keepaliveRetries: r.int('--keepalive-retries', 9, { min: 1, max: 127 }),
    keepaliveEnabled: r.bool('--keepalive-enabled', true),
    userTimeoutEnabled: r.bool('--user-timeout-enabled', false),
  };
  if (config.userTimeoutEnabled && userTimeoutMs(config) > USER_TIMEOUT_MAX_MS) {
    r.problem(`--user-timeout-enabled true needs --keepalive-time + --keepalive-retries × --keepalive-interval of at most ${USER_TIMEOUT_MAX_MS} ms (TCP_USER_TIMEOUT is an int of milliseconds), got ${userTimeoutMs(config)} ms`);
  }
  return config;
}

/** TCP_USER_TIMEOUT as Istio computes it: the time a silent idle peer takes to be given up by keepalive. */
export function userTimeoutMs(config: Pick<SocketConfig, 'keepaliveTimeMs' | 'keepaliveIntervalMs' | 'keepaliveRetries'>): number {
  return config.keepaliveTimeMs + config.keepaliveRetries * config.keepaliveIntervalMs;
}
