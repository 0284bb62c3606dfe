// One entry of a local xDS file's `workloads` (ztunnel's LocalWorkload: its Workload fields in camelCase plus
// `services` as "namespace/hostname" → {servicePort: targetPort}) to the istio.workload.Workload xDS would send.
import { create } from '@bufbuild/protobuf';
import {
  ApplicationTunnel_Protocol, ApplicationTunnelSchema, LocalitySchema, NetworkMode, PortListSchema, TunnelProtocol, WorkloadSchema, WorkloadStatus, WorkloadType,
  type ApplicationTunnel, type Locality, type PortList, type Workload,
} from '@ambient/api/workload';
import { fieldPath, type FieldReader } from './fields.js';
import { gatewayAddress } from './gateway.js';

const FIELDS = [
  'uid', 'name', 'namespace', 'workloadIps', 'hostname', 'network', 'protocol', 'networkMode', 'trustDomain', 'serviceAccount',
  'waypoint', 'networkGateway', 'node', 'workloadName', 'workloadType', 'canonicalName', 'canonicalRevision', 'nativeTunnel',
  'applicationTunnel', 'authorizationPolicies', 'status', 'clusterId', 'locality', 'services', 'capacity',
] as const;

// ztunnel's InboundProtocol, NetworkMode, HealthStatus and workload_type (lower-case) spellings.
const PROTOCOLS = { TCP: TunnelProtocol.NONE, HBONE: TunnelProtocol.HBONE };
const NETWORK_MODES = { Standard: NetworkMode.STANDARD, HostNetwork: NetworkMode.HOST_NETWORK };
const STATUSES = { Healthy: WorkloadStatus.HEALTHY, Unhealthy: WorkloadStatus.UNHEALTHY };
const WORKLOAD_TYPES = { deployment: WorkloadType.DEPLOYMENT, cronjob: WorkloadType.CRONJOB, pod: WorkloadType.POD, job: WorkloadType.JOB };
const TUNNEL_PROTOCOLS = { NONE: ApplicationTunnel_Protocol.NONE, PROXY: ApplicationTunnel_Protocol.PROXY };

export function localWorkload(f: FieldReader, value: unknown, path: string): Workload | undefined {
  const m = f.mapping(value, path, FIELDS);
  if (m === undefined) {
    if (value === undefined || value === null) f.problem(path, 'is empty; a workload needs at least a namespace');
    return undefined;
  }
  const at = (key: (typeof FIELDS)[number]): string => fieldPath(path, key);
  const str = (key: (typeof FIELDS)[number]): string => f.string(m[key], at(key));
  const namespace = f.required(m['namespace'], at('namespace'));
  const name = str('name');
  const clusterId = str('clusterId');
  let uid = str('uid');
  // The store is keyed by uid; Istio's older examples leave it out, so one is made as istiod makes a pod's.
  if (uid === '' && name === '') f.problem(at('uid'), 'is required when there is no name to make it from');
  else if (uid === '') uid = `${clusterId || 'Kubernetes'}//v1/Pod/${namespace}/${name}`;
  const addresses = f.list(m['workloadIps'], at('workloadIps')).flatMap((ip, i) => f.ip(ip, fieldPath(at('workloadIps'), i)) ?? []);
  const opt = <T>(key: (typeof FIELDS)[number], names: Readonly<Record<string, T>>, fallback: T): T =>
    m[key] === undefined ? fallback : (f.oneOf(m[key], at(key), names) ?? fallback);
  const waypoint = gatewayAddress(f, m['waypoint'], at('waypoint'));
  const networkGateway = gatewayAddress(f, m['networkGateway'], at('networkGateway'));
  const applicationTunnel = appTunnel(f, m['applicationTunnel'], at('applicationTunnel'));
  const locality = localityOf(f, m['locality'], at('locality'));
  const capacity = m['capacity'] === undefined ? undefined : f.int(m['capacity'], at('capacity'), 0, 0xffff_ffff);
  return create(WorkloadSchema, {
    uid, name, namespace, addresses,
    hostname: str('hostname'),
    network: str('network'),
    tunnelProtocol: opt('protocol', PROTOCOLS, TunnelProtocol.NONE),
    networkMode: opt('networkMode', NETWORK_MODES, NetworkMode.STANDARD),
    trustDomain: str('trustDomain'),
    serviceAccount: str('serviceAccount'),
    node: str('node'),
    workloadName: str('workloadName'),
    workloadType: opt('workloadType', WORKLOAD_TYPES, WorkloadType.DEPLOYMENT),
    canonicalName: str('canonicalName'),
    canonicalRevision: str('canonicalRevision'),
    nativeTunnel: f.bool(m['nativeTunnel'], at('nativeTunnel')),
    authorizationPolicies: f.list(m['authorizationPolicies'], at('authorizationPolicies')).map((p, i) => f.required(p, fieldPath(at('authorizationPolicies'), i))),
    status: opt('status', STATUSES, WorkloadStatus.HEALTHY),
    clusterId,
    services: servicePorts(f, m['services'], at('services')),
    ...(waypoint ? { waypoint } : {}),
    ...(networkGateway ? { networkGateway } : {}),
    ...(applicationTunnel ? { applicationTunnel } : {}),
    ...(locality ? { locality } : {}),
    ...(capacity === undefined ? {} : { capacity }),
  });
}

/** `"default/echo.default.mesh": {80: 8080}`: the services this workload is an endpoint of, with port mappings. */
function servicePorts(f: FieldReader, value: unknown, path: string): Record<string, PortList> {
  const out: Record<string, PortList> = {};
  for (const [key, ports] of Object.entries(f.keyed(value, path))) {
    const keyPath = fieldPath(path, key);
    const slash = key.indexOf('/');
    if (slash <= 0 || slash === key.length - 1) f.problem(keyPath, 'key is not "namespace/hostname"');
    const list = Object.entries(f.keyed(ports, keyPath)).flatMap(([servicePort, targetPort]) => {
      const portPath = fieldPath(keyPath, servicePort);
      const s = f.int(servicePort, portPath, 1, 65535, 'a service port');
      const t = f.port(targetPort, portPath);
      return s === undefined || t === undefined ? [] : [{ servicePort: s, targetPort: t }];
    });
    out[key] = create(PortListSchema, { ports: list });
  }
  return out;
}

function appTunnel(f: FieldReader, value: unknown, path: string): ApplicationTunnel | undefined {
  const m = f.mapping(value, path, ['protocol', 'port']);
  if (m === undefined) return undefined;
  const protocol = f.oneOf(m['protocol'], fieldPath(path, 'protocol'), TUNNEL_PROTOCOLS) ?? ApplicationTunnel_Protocol.NONE;
  const port = m['port'] === undefined || m['port'] === null ? 0 : (f.port(m['port'], fieldPath(path, 'port')) ?? 0);
  return create(ApplicationTunnelSchema, { protocol, port });
}

function localityOf(f: FieldReader, value: unknown, path: string): Locality | undefined {
  const m = f.mapping(value, path, ['region', 'zone', 'subzone']);
  if (m === undefined) return undefined;
  const s = (k: string): string => f.string(m[k], fieldPath(path, k));
  return create(LocalitySchema, { region: s('region'), zone: s('zone'), subzone: s('subzone') });
}
