// The regular headers of HBONE (reference §2.3, §1.4): on an outbound CONNECT `forwarded` with the client's address
// and, when the connection was for a service, its hostname (the destination reads `host=` to label its metrics with
// that service), and `baggage` describing the source workload; `baggage` describing the destination on the 200; and
// the source a destination reads back from a CONNECT's baggage. Pure; the baggage of a workload record is built once.
import { formatBaggage, formatForwarded } from '@ambient/hbone';
import type { WorkloadRecord } from '@ambient/mesh-state';
import type { DerivedSource } from '@ambient/telemetry';

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

const responseHeadersOf = new WeakMap<WorkloadRecord, Readonly<Record<string, string>> | undefined>();

/** The headers of the 200 a local workload's HBONE server answers with: its baggage (ztunnel's ENABLE_RESPONSE_BAGGAGE). */
export function tunnelResponseHeaders(workload: WorkloadRecord): Readonly<Record<string, string>> | undefined {
  if (responseHeadersOf.has(workload)) return responseHeadersOf.get(workload);
  const baggage = workloadBaggage(workload);
  const headers = baggage === undefined ? undefined : Object.freeze({ baggage });
  responseHeadersOf.set(workload, headers);
  return headers;
}

/** The baggage keys ztunnel reads a workload name from (its parse_baggage_header); other types are not read. */
const WORKLOAD_NAME_KEYS = ['k8s.deployment.name', 'k8s.cronjob.name', 'k8s.pod.name', 'k8s.job.name'] as const;

/**
 * What a CONNECT's baggage says of its source, for the metrics of a source the destination has no record of (through
 * a gateway, or from an address that is no workload). The peer's word, as in ztunnel: the principal never comes from
 * here, only from the certificate. Empty values count as absent.
 */
export function baggageSource(baggage: Readonly<Record<string, string>>): Omit<DerivedSource, 'identity'> {
  const value = (key: string): string | undefined => (baggage[key] === '' ? undefined : baggage[key]);
  let workloadName: string | undefined;
  for (const key of WORKLOAD_NAME_KEYS) workloadName = value(key) ?? workloadName;
  const out = {
    clusterId: value('k8s.cluster.name'),
    namespace: value('k8s.namespace.name'),
    workloadName,
    app: value('service.name'),
    revision: value('service.version'),
    region: value('cloud.region'),
    zone: value('cloud.availability_zone'),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}
