// The regular headers of an outbound HBONE CONNECT (reference §2.3): `forwarded` with the client's address and, when
// the connection was for a service, its hostname (the destination reads `host=` to label its metrics with that
// service), and `baggage` describing the source workload. Pure; the baggage of a workload record is built once.
import { formatBaggage, formatForwarded } from '@ambient/hbone';
import type { WorkloadRecord } from '@ambient/mesh-state';

const baggageOf = new WeakMap<WorkloadRecord, string | undefined>();

/** ztunnel's baggage for a source workload: cluster, namespace, workload by type, canonical service and revision, locality. */
export function workloadBaggage(workload: WorkloadRecord): string | undefined {
  if (baggageOf.has(workload)) return baggageOf.get(workload);
  const value = formatBaggage({
    'k8s.cluster.name': workload.clusterId,
    'k8s.namespace.name': workload.namespace,
    ...(workload.workloadType ? { [`k8s.${workload.workloadType}.name`]: workload.workloadName } : {}),
    'service.name': workload.canonicalName,
    'service.version': workload.canonicalRevision,
    'cloud.region': workload.locality?.region,
    'cloud.availability_zone': workload.locality?.zone,
  });
  baggageOf.set(workload, value);
  return value;
}

/** `forwarded` and `baggage` for a CONNECT carrying `client`'s connection from `source`, for `serviceHostname` if any. */
export function connectHeaders(source: WorkloadRecord, client: { address: string; port: number }, serviceHostname?: string): Record<string, string> {
  const forFor = client.address.includes(':') ? `[${client.address}]:${client.port}` : `${client.address}:${client.port}`;
  const forwarded = formatForwarded({ for: forFor, ...(serviceHostname ? { host: serviceHostname } : {}) });
  const baggage = workloadBaggage(source);
  return { ...(forwarded ? { forwarded } : {}), ...(baggage ? { baggage } : {}) };
}
