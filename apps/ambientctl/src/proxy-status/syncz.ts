// ambientd's /debug/syncz (one row per xDS stream: id, node, per-type status) checked and turned into
// istioctl proxy-status tables, with ztunnel's short type names (WDS, WADS).
import { AmbientctlError } from '../errors.js';
import type { Table } from '../ztunnel-config/table.js';

export interface SyncRow {
  readonly id: string;
  readonly node: string;
  readonly types: Readonly<Record<string, { readonly status: string; readonly nonce?: string; readonly error?: string }>>;
  /** Not in today's syncz; shown when a control plane adds them. */
  readonly cluster?: string;
  readonly controlPlane?: string;
  readonly version?: string;
}

/** Short names istioctl gives xDS types; unknown types keep their last name segment. */
const SHORT_TYPES: Record<string, string> = {
  'istio.workload.Address': 'WDS',
  'istio.workload.Workload': 'WDS',
  'istio.security.Authorization': 'WADS',
  'envoy.config.cluster.v3.Cluster': 'CDS',
  'envoy.config.listener.v3.Listener': 'LDS',
  'envoy.config.route.v3.RouteConfiguration': 'RDS',
  'envoy.config.endpoint.v3.ClusterLoadAssignment': 'EDS',
  'envoy.config.core.v3.TypedExtensionConfig': 'ECDS',
  'envoy.extensions.transport_sockets.tls.v3.Secret': 'SDS',
};

export function shortType(typeUrl: string): string {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  return SHORT_TYPES[name] ?? name.slice(name.lastIndexOf('.') + 1);
}

/** Parses syncz text; each row must have an id, a node and a types object. */
export function parseSyncz(text: string, source: string): SyncRow[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `the sync status from ${source} is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(value)) throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `the sync status from ${source} is not a list of proxies`);
  value.forEach((row: unknown, i) => {
    const r = row as Partial<SyncRow> | null;
    if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || typeof r.node !== 'string' || typeof r.types !== 'object' || r.types === null) {
      throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `the sync status from ${source} has an entry ${i} without id, node and types`);
    }
  });
  return value as SyncRow[];
}

/** `ztunnel~IP~POD.NS~DOMAIN` → `POD.NS`, as istioctl names proxies; other ids as they are. */
export function proxyName(node: string): string {
  const parts = node.split('~');
  return parts.length === 4 && parts[2] ? parts[2] : node;
}

const NA = 'NA';

/** NAME CLUSTER ISTIOD VERSION SUBSCRIBED TYPES, or with `verbose` one column per type (SYNCED/NACKED/STALE/NOT SENT). */
export function proxyStatusTable(rows: readonly SyncRow[], verbose: boolean): Table {
  const sorted = [...rows].sort((a, b) => (proxyName(a.node) < proxyName(b.node) ? -1 : proxyName(a.node) > proxyName(b.node) ? 1 : 0));
  if (!verbose) {
    return {
      headers: ['NAME', 'CLUSTER', 'ISTIOD', 'VERSION', 'SUBSCRIBED TYPES'],
      rows: sorted.map((r) => {
        const types = Object.keys(r.types).map(shortType);
        return [proxyName(r.node), r.cluster ?? NA, r.controlPlane ?? NA, r.version ?? NA, `${types.length} (${types.join(',')})`];
      }),
    };
  }
  const columns = [...new Set(sorted.flatMap((r) => Object.keys(r.types).map(shortType)))].sort();
  return {
    headers: ['NAME', 'CLUSTER', ...columns, 'ISTIOD', 'VERSION'],
    rows: sorted.map((r) => {
      const byShort = new Map(Object.entries(r.types).map(([url, s]) => [shortType(url), s.status]));
      return [proxyName(r.node), r.cluster ?? NA, ...columns.map((c) => byShort.get(c) ?? 'NOT SENT'), r.controlPlane ?? NA, r.version ?? NA];
    }),
  };
}
