// istio.workload.Workload to a WorkloadRecord, with ztunnel's defaults (trust domain cluster.local, service account
// default, cluster Kubernetes, capacity 1) and its rejections (LEGACY_ISTIO_MTLS, bad address bytes, unknown enums,
// a gateway without a destination, a services key that is not namespace/hostname).
import { ApplicationTunnel_Protocol, NetworkMode, TunnelProtocol, WorkloadStatus, WorkloadType, type ApplicationTunnel as XdsApplicationTunnel, type Workload } from '@ambient/api/workload';
import { spiffeId, type ApplicationTunnel, type PortMapping, type WorkloadRecord } from '../model.js';
import { checkPort, enumName, gatewayRef, ipText, portMappings, type Problem } from './fields.js';

const TUNNEL_PROTOCOLS: Record<number, 'HBONE' | 'NONE'> = { [TunnelProtocol.NONE]: 'NONE', [TunnelProtocol.HBONE]: 'HBONE' };
const NETWORK_MODES: Record<number, 'STANDARD' | 'HOST_NETWORK'> = {
  [NetworkMode.STANDARD]: 'STANDARD', [NetworkMode.HOST_NETWORK]: 'HOST_NETWORK',
};
const STATUSES: Record<number, string> = { [WorkloadStatus.HEALTHY]: 'HEALTHY', [WorkloadStatus.UNHEALTHY]: 'UNHEALTHY' };
const APP_TUNNEL_PROTOCOLS: Record<number, 'NONE' | 'PROXY'> = {
  [ApplicationTunnel_Protocol.NONE]: 'NONE', [ApplicationTunnel_Protocol.PROXY]: 'PROXY',
};
const WORKLOAD_TYPES: Record<number, string> = {
  [WorkloadType.DEPLOYMENT]: 'deployment', [WorkloadType.CRONJOB]: 'cronjob', [WorkloadType.POD]: 'pod', [WorkloadType.JOB]: 'job',
};

export function workloadRecord(w: Workload, problem: Problem): WorkloadRecord {
  if (w.uid === '') problem('workload.uid', 'must not be empty (the store is keyed by uid)');
  if (w.namespace === '') problem('workload.namespace', 'must not be empty (it is part of the identity)');
  const tunnelProtocol = tunnelProtocolOf(w.tunnelProtocol, problem);
  const addresses: string[] = [];
  w.addresses.forEach((bytes, i) => {
    const ip = ipText(bytes, `workload.addresses[${i}]`, problem);
    if (ip !== undefined) addresses.push(ip);
  });
  const services = new Map<string, readonly PortMapping[]>();
  for (const [key, list] of Object.entries(w.services)) {
    const slash = key.indexOf('/');
    if (slash <= 0 || slash === key.length - 1) problem(`workload.services["${key}"]`, 'key is not "namespace/hostname"');
    services.set(key, Object.freeze(portMappings(list.ports, `workload.services["${key}"].ports`, problem)));
  }
  const applicationTunnel = applicationTunnelOf(w.applicationTunnel, problem);
  const trustDomain = w.trustDomain === '' ? 'cluster.local' : w.trustDomain;
  const serviceAccount = w.serviceAccount === '' ? 'default' : w.serviceAccount;
  const waypoint = gatewayRef(w.waypoint, 'workload.waypoint', problem);
  const networkGateway = gatewayRef(w.networkGateway, 'workload.networkGateway', problem);
  return Object.freeze({
    uid: w.uid,
    name: w.name,
    namespace: w.namespace,
    addresses: Object.freeze(addresses),
    hostname: w.hostname,
    network: w.network,
    node: w.node,
    trustDomain,
    serviceAccount,
    identity: spiffeId(trustDomain, w.namespace, serviceAccount),
    tunnelProtocol,
    networkMode: enumName(w.networkMode, NETWORK_MODES, 'workload.networkMode', problem) as WorkloadRecord['networkMode'],
    ...(waypoint === undefined ? {} : { waypoint }),
    ...(networkGateway === undefined ? {} : { networkGateway }),
    ...(applicationTunnel === undefined ? {} : { applicationTunnel }),
    services,
    authorizationPolicies: Object.freeze([...w.authorizationPolicies]),
    canonicalName: w.canonicalName,
    canonicalRevision: w.canonicalRevision,
    workloadName: w.workloadName,
    workloadType: enumName(w.workloadType, WORKLOAD_TYPES, 'workload.workloadType', problem),
    clusterId: w.clusterId === '' ? 'Kubernetes' : w.clusterId,
    ...(w.locality === undefined ? {} : { locality: Object.freeze({ region: w.locality.region, zone: w.locality.zone, subzone: w.locality.subzone }) }),
    capacity: w.capacity ?? 1,
    healthy: enumName(w.status, STATUSES, 'workload.status', problem) === 'HEALTHY',
  });
}

function tunnelProtocolOf(value: number, problem: Problem): 'HBONE' | 'NONE' {
  if (value === TunnelProtocol.LEGACY_ISTIO_MTLS) {
    problem('workload.tunnelProtocol', 'LEGACY_ISTIO_MTLS (2) is not supported by ztunnel; use HBONE (1) or NONE (0)');
    return 'NONE';
  }
  return (enumName(value, TUNNEL_PROTOCOLS, 'workload.tunnelProtocol', problem) || 'NONE') as 'HBONE' | 'NONE';
}

/** Port 0 keeps the resolved target port (ztunnel's `port.unwrap_or(dest.port())`). */
function applicationTunnelOf(t: XdsApplicationTunnel | undefined, problem: Problem): ApplicationTunnel | undefined {
  if (t === undefined) return undefined;
  const protocol = enumName(t.protocol, APP_TUNNEL_PROTOCOLS, 'workload.applicationTunnel.protocol', problem) as ApplicationTunnel['protocol'];
  return Object.freeze({ protocol, port: checkPort(t.port, 'workload.applicationTunnel.port', problem, true) });
}
