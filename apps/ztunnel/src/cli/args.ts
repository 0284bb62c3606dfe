// Flag parsing for the ztunnel command: strict, and every mistake becomes one sentence and exit code 2.
import { parseArgs } from 'node:util';
import { ConfigError } from '@ambient/core';
import { readZtunnelConfig, ZTUNNEL_FLAGS, type ZtunnelConfig } from '../config.js';

export class UsageError extends Error {}

export const HELP = `usage: ztunnel --node NAME --token-file FILE --root-cert FILE [flags]

The per-node L4 proxy of the ambient mesh: mTLS (HBONE) in and out, L4 authorization and TCP telemetry for the
workloads whose Workload.node is NAME.
  --node NAME                     serve the workloads on this node (required)
  --xds-address HOST:PORT         control plane, TLS verified with --root-cert (default 127.0.0.1:15012; '' for none)
  --ca-address HOST:PORT          certificate authority (default: --xds-address)
  --token-file FILE               bearer token for xDS and CA calls (required)
  --root-cert FILE                trust anchor for the control plane's certificate (required)
  --capture loopback|iptables     listeners per workload on its own address, or transparent capture (default loopback)
  --workload-interfaces PATTERN   iptables capture: the workloads' veths, as iptables -i matches them (default vw+)
  --admin-listen HOST:PORT        /config_dump /logging /quitquitquit (default 127.0.0.1:15000)
  --metrics-listen HOST:PORT      /metrics (default 127.0.0.1:15020)
  --readiness-listen HOST:PORT    /healthz/ready (default 127.0.0.1:15021)
  --hbone-port PORT               HBONE per workload address (default 15008)
  --socks5-port PORT              SOCKS5 per workload address (default 15080)
  --inbound-plaintext-port PORT   plaintext inbound per workload address (default 15006)
  --outbound-port PORT            transparent outbound (default 15001)
  --cluster-id ID                 (default Kubernetes)
  --network NAME                  this node's network, for multi-network meshes (default: the default network, "")
  --trust-domain TD               (default cluster.local)
  --drain-deadline-ms MS          on SIGTERM, how long open tunnels may finish (default 5000)
  --dns-capture true|false        answer the workloads' DNS: mesh names from xDS, others upstream (default false)
  --dns-port PORT                 DNS over UDP and TCP per workload address, or on the node (default 15053)
  --dns-upstream IP:PORT[,…]      resolvers for other names (default: the nameservers of /etc/resolv.conf)
  --cluster-domain DOMAIN         Kubernetes cluster domain, for short names and search domains (default cluster.local)
  --secret-ttl DURATION           lifetime asked for workload certificates, renewed at half of it: 1h, 90m (default 24h)
  --pool-max-streams-per-connection N    tunnels per pooled HBONE connection before another opens (default 100)
  --pool-unused-release-timeout DURATION how long an HBONE connection without tunnels stays pooled (default 5m)
  --preserve-source auto|true|false      iptables capture: connect as the original source (default auto: if allowed)
  --ipv6-enabled true|false       IPv6 capture ([::] listeners, ip6tables) and AAAA answers for mesh names (default true)
  --xds-header NAME=VALUE[,…]     more headers on the xDS stream (Istio's XDS_HEADER_*)
  --ca-header NAME=VALUE[,…]      more headers on certificate requests (Istio's CA_HEADER_*)
  --crl-path FILE                 PEM CRLs from the mesh CA: HBONE peers they revoke are refused (reloaded on change)
  --local-xds-path FILE           workloads, services and policies from YAML in Istio's LOCAL_XDS_PATH format (read at start)
  --local-xds YAML                the same YAML inline (Istio's LOCAL_XDS)
  --xds-on-demand true|false      look addresses up one by one as connections need them (Istio's XDS_ON_DEMAND, default false)
  --local-workload-addresses IP[,…]  with --xds-on-demand: this node's workloads, looked up at start and kept subscribed
  --keepalive-time DURATION       TCP keepalive on every socket ztunnel holds: idle time before the first probe (default 180s)
  --keepalive-interval DURATION   time between unanswered probes (default 180s); both whole seconds, 1s to 32767s
  --keepalive-retries N           unanswered probes before the connection is dropped, 1 to 127 (default 9)
  --keepalive-enabled true|false  TCP keepalive at all (default true)
  --user-timeout-enabled true|false  TCP_USER_TIMEOUT of time + retries × interval: unacknowledged data gives up too (default false)
`;

/** Parses argv into the frozen config; any mistake is one UsageError sentence. */
export function parseZtunnelArgs(argv: readonly string[]): ZtunnelConfig {
  let values: Record<string, unknown>;
  try {
    const options = Object.fromEntries(ZTUNNEL_FLAGS.map((n) => [n, { type: 'string' as const }]));
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const map: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (typeof value === 'string') map[`--${name}`] = value;
  try {
    return readZtunnelConfig(map);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}
