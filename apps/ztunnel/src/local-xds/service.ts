// One entry of a local xDS file's `services` (ztunnel's Service in camelCase: `vips` as "network/IP", `ports` as
// {servicePort: targetPort}) to the istio.workload.Service xDS would send.
import { create } from '@bufbuild/protobuf';
import {
  IPFamilies, LoadBalancing_HealthPolicy, LoadBalancing_Mode, LoadBalancing_Scope, LoadBalancingSchema, ServiceSchema,
  type LoadBalancing, type Service,
} from '@ambient/api/workload';
import { fieldPath, type FieldReader } from './fields.js';
import { gatewayAddress } from './gateway.js';

const FIELDS = ['name', 'namespace', 'hostname', 'vips', 'ports', 'endpoints', 'subjectAltNames', 'waypoint', 'loadBalancer', 'ipFamilies'] as const;

// ztunnel's LoadBalancerScopes, LoadBalancerMode, LoadBalancerHealthPolicy and IpFamily spellings.
const SCOPES = {
  Region: LoadBalancing_Scope.REGION, Zone: LoadBalancing_Scope.ZONE, Subzone: LoadBalancing_Scope.SUBZONE,
  Node: LoadBalancing_Scope.NODE, Cluster: LoadBalancing_Scope.CLUSTER, Network: LoadBalancing_Scope.NETWORK,
};
const MODES = {
  Standard: LoadBalancing_Mode.UNSPECIFIED_MODE, Strict: LoadBalancing_Mode.STRICT,
  Failover: LoadBalancing_Mode.FAILOVER, Passthrough: LoadBalancing_Mode.PASSTHROUGH,
};
const HEALTH = { OnlyHealthy: LoadBalancing_HealthPolicy.ONLY_HEALTHY, AllowAll: LoadBalancing_HealthPolicy.ALLOW_ALL };
const IP_FAMILIES = { Dual: IPFamilies.DUAL, IPv4: IPFamilies.IPV4_ONLY, IPv6: IPFamilies.IPV6_ONLY };

export function localService(f: FieldReader, value: unknown, path: string): Service | undefined {
  const m = f.mapping(value, path, FIELDS);
  if (m === undefined) {
    if (value === undefined || value === null) f.problem(path, 'is empty; a service needs a namespace and a hostname');
    return undefined;
  }
  const at = (key: (typeof FIELDS)[number]): string => fieldPath(path, key);
  // Endpoints come from the workloads that list the service, as on the xDS path.
  if (Object.keys(f.keyed(m['endpoints'], at('endpoints'))).length > 0) {
    f.problem(at('endpoints'), 'is not read here: list the service under each endpoint workload\'s services instead');
  }
  const ports = Object.entries(f.keyed(m['ports'], at('ports'))).flatMap(([servicePort, targetPort]) => {
    const p = fieldPath(at('ports'), servicePort);
    const s = f.int(servicePort, p, 1, 65535, 'a service port');
    const t = f.port(targetPort, p);
    return s === undefined || t === undefined ? [] : [{ servicePort: s, targetPort: t }];
  });
  const waypoint = gatewayAddress(f, m['waypoint'], at('waypoint'));
  const loadBalancing = loadBalancer(f, m['loadBalancer'], at('loadBalancer'));
  return create(ServiceSchema, {
    name: f.string(m['name'], at('name')),
    namespace: f.required(m['namespace'], at('namespace')),
    hostname: f.required(m['hostname'], at('hostname')),
    addresses: f.list(m['vips'], at('vips')).flatMap((v, i) => f.networkAddress(v, fieldPath(at('vips'), i)) ?? []),
    ports,
    subjectAltNames: f.list(m['subjectAltNames'], at('subjectAltNames')).map((s, i) => f.required(s, fieldPath(at('subjectAltNames'), i))),
    ipFamilies: m['ipFamilies'] === undefined ? IPFamilies.AUTOMATIC : (f.oneOf(m['ipFamilies'], at('ipFamilies'), IP_FAMILIES) ?? IPFamilies.AUTOMATIC),
    ...(waypoint ? { waypoint } : {}),
    ...(loadBalancing ? { loadBalancing } : {}),
  });
}

function loadBalancer(f: FieldReader, value: unknown, path: string): LoadBalancing | undefined {
  const m = f.mapping(value, path, ['routingPreferences', 'mode', 'healthPolicy']);
  if (m === undefined) return undefined;
  const at = (k: string): string => fieldPath(path, k);
  return create(LoadBalancingSchema, {
    routingPreference: f.list(m['routingPreferences'], at('routingPreferences')).flatMap((s, i) => f.oneOf(s, fieldPath(at('routingPreferences'), i), SCOPES) ?? []),
    mode: m['mode'] === undefined ? LoadBalancing_Mode.UNSPECIFIED_MODE : (f.oneOf(m['mode'], at('mode'), MODES) ?? LoadBalancing_Mode.UNSPECIFIED_MODE),
    healthPolicy: m['healthPolicy'] === undefined ? LoadBalancing_HealthPolicy.ONLY_HEALTHY : (f.oneOf(m['healthPolicy'], at('healthPolicy'), HEALTH) ?? LoadBalancing_HealthPolicy.ONLY_HEALTHY),
  });
}
