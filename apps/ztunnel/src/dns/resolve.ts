// Which mesh addresses answer a DNS question, as a pure function of the mesh state and the asking workload
// (istio-ztunnel.md §1.9): service hostnames (ServiceEntry hosts included, `*.example.com` wildcards too) answer
// with their VIPs, headless services with their endpoints' addresses; Kubernetes short names (`svc`, `svc.ns`,
// `svc.ns.svc`) are read relative to the client's namespace; a pod of a headless service answers under
// `<pod>.<service>.<ns>.svc.<domain>` and that name's short forms (a StatefulSet's `web-0.nginx`); a name the client's
// resolver built by appending one of its search domains answers with a CNAME to the mesh hostname it stands for.
// A service visible only in its own namespace (visibility NAMESPACE) is not there for clients of other namespaces;
// one without a VIP that is no headless Kubernetes service is not answered. Anything else is for the upstream resolvers. No sockets here: the server asks, sends, and shuffles.
import net from 'node:net';
import type { ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';

/** The lookups resolution needs (MeshState has them). */
export interface DnsLookup {
  /** A service with NAMESPACE visibility is found only from its own namespace (MeshState has it). */
  findVisibleServiceByHostname(hostname: string, namespace: string): ServiceRecord | undefined;
  findEndpoints(serviceKey: string): readonly WorkloadRecord[];
}

export interface DnsClient {
  readonly namespace: string;
  readonly network: string;
}

export type AddressFamily = 4 | 6;

export type Resolution =
  /** Not a mesh name: forward the query. */
  | { readonly kind: 'forward' }
  /**
   * A mesh name. `addresses` (of the asked family; possibly none, which is an empty NOERROR answer) belong to
   * `owner`; when `cname` is set the answer starts with `queryName CNAME owner`.
   */
  | { readonly kind: 'mesh'; readonly owner: string; readonly cname: boolean; readonly addresses: readonly string[]; readonly service: string };

/**
 * Resolves `queryName` (any case, no trailing dot) for a client. `clusterDomain` is the Kubernetes cluster domain
 * (`cluster.local`): it makes the short names and the client's search domains.
 */
export function resolveMeshName(lookup: DnsLookup, queryName: string, family: AddressFamily, client: DnsClient, clusterDomain: string): Resolution {
  const name = queryName.toLowerCase();
  const direct = findTarget(lookup, name, client, clusterDomain);
  if (direct) return { kind: 'mesh', owner: queryName, cname: false, addresses: addressesOf(lookup, direct, family, client), service: direct.service.key };
  for (const domain of searchDomains(client.namespace, clusterDomain)) {
    if (!name.endsWith(`.${domain}`)) continue;
    const stripped = name.slice(0, -(domain.length + 1));
    const found = findTarget(lookup, stripped, client, clusterDomain);
    if (!found) continue;
    const { service, pod } = found;
    const owner = pod ? `${pod.name}.${service.hostname}` : service.hostname.startsWith('*.') ? stripped : service.hostname;
    return { kind: 'mesh', owner, cname: true, addresses: addressesOf(lookup, found, family, client), service: service.key };
  }
  return { kind: 'forward' };
}

/** What a name stands for: a service, or one pod of a headless service. */
interface Target {
  readonly service: ServiceRecord;
  readonly pod?: WorkloadRecord;
}

function findTarget(lookup: DnsLookup, name: string, client: DnsClient, clusterDomain: string): Target | undefined {
  const service = findHost(lookup, name, client, clusterDomain);
  return service ? { service } : findPodHost(lookup, name, client, clusterDomain);
}

/**
 * `<pod>.<service>.<ns>.svc.<domain>` (or its short forms `pod.service`, `pod.service.ns`, `pod.service.ns.svc`,
 * relative to the client's namespace): the endpoint named `<pod>` of that headless Kubernetes service, as the
 * per-pod records Kubernetes DNS gives a StatefulSet's pods.
 */
function findPodHost(lookup: DnsLookup, name: string, client: DnsClient, clusterDomain: string): Target | undefined {
  const fqdn = podHostName(name, client.namespace, clusterDomain);
  if (fqdn === undefined) return undefined;
  const dot = fqdn.indexOf('.');
  const service = lookup.findVisibleServiceByHostname(fqdn.slice(dot + 1), client.namespace);
  if (!service || service.vips.length > 0) return undefined;
  const podName = fqdn.slice(0, dot);
  const pod = lookup.findEndpoints(service.key).find((w) => w.name === podName);
  return pod ? { service, pod } : undefined;
}

/** The full `<pod>.<service>.<ns>.svc.<domain>` a name can stand for; undefined when it has no such shape. */
function podHostName(name: string, namespace: string, clusterDomain: string): string | undefined {
  const labels = name.split('.');
  if (labels.length === 2) return `${name}.${namespace}.svc.${clusterDomain}`;
  if (labels.length === 3) return `${name}.svc.${clusterDomain}`;
  if (labels.length === 4 && labels[3] === 'svc') return `${name}.${clusterDomain}`;
  const suffix = `.svc.${clusterDomain}`;
  if (name.endsWith(suffix) && name.slice(0, -suffix.length).split('.').length === 3) return name;
  return undefined;
}

/** The search list a pod in `namespace` gets from Kubernetes, most specific first. */
export function searchDomains(namespace: string, clusterDomain: string): string[] {
  return [`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
}

/** A service this name stands for: its hostname, a Kubernetes short name of it, or a wildcard host covering it. */
function findHost(lookup: DnsLookup, name: string, client: DnsClient, clusterDomain: string): ServiceRecord | undefined {
  if (name === '') return undefined;
  const find = (hostname: string): ServiceRecord | undefined => answerable(lookup.findVisibleServiceByHostname(hostname, client.namespace), clusterDomain);
  const exact = find(name);
  if (exact) return exact;
  const expanded = kubernetesName(name, client.namespace, clusterDomain);
  if (expanded) {
    const found = find(expanded);
    if (found) return found;
  }
  // `*.example.com` covers `a.example.com` and `a.b.example.com`; the nearest wildcard wins.
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
    const found = find(`*${name.slice(dot)}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * A service without a VIP is answered only when it is a headless Kubernetes service; otherwise (a DNS ServiceEntry
 * of an outside host, say) the name goes upstream, as ztunnel's find_server filters them.
 */
function answerable(service: ServiceRecord | undefined, clusterDomain: string): ServiceRecord | undefined {
  if (service === undefined || service.vips.length > 0 || service.hostname.endsWith(`.svc.${clusterDomain}`)) return service;
  return undefined;
}

/** `svc` → `svc.ns.svc.<domain>` (the client's namespace), `svc.ns` and `svc.ns.svc` → `svc.ns.svc.<domain>`. */
function kubernetesName(name: string, namespace: string, clusterDomain: string): string | undefined {
  const labels = name.split('.');
  if (labels.length === 1) return `${name}.${namespace}.svc.${clusterDomain}`;
  if (labels.length === 2) return `${name}.svc.${clusterDomain}`;
  if (labels.length === 3 && labels[2] === 'svc') return `${name}.${clusterDomain}`;
  return undefined;
}

/**
 * The service's VIPs of this family on the client's network (ztunnel's `get_addresses`: a VIP on another network is
 * not callable from the client, so a service with VIPs only elsewhere answers with none); a headless service (no VIP)
 * answers with its endpoints' addresses, and one of its pods with that pod's. A service of the other single family
 * answers with none.
 */
function addressesOf(lookup: DnsLookup, { service, pod }: Target, family: AddressFamily, client: DnsClient): string[] {
  const ofFamily = (ip: string): boolean => net.isIP(ip) === family;
  if (pod) return unique(pod.addresses.filter(ofFamily));
  // A single-family service answers only its family, though its (headless) pods be dual-stack (ztunnel's
  // service_family_allowed).
  if ((service.ipFamilies === 'IPV4_ONLY' && family === 6) || (service.ipFamilies === 'IPV6_ONLY' && family === 4)) return [];
  const vips = service.vips.filter((v) => v.prefixLength === undefined || v.prefixLength === (net.isIPv4(v.ip) ? 32 : 128));
  if (vips.length > 0) return unique(vips.filter((v) => v.network === client.network).map((v) => v.ip).filter(ofFamily));
  return unique(lookup.findEndpoints(service.key).flatMap((w) => w.addresses.filter(ofFamily)));
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
