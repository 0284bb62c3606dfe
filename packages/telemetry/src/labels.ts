// Istio's CommonTrafficLabels for the TCP metrics: names, order and value conventions as ztunnel writes them
// (an empty or missing value is "unknown", response_flags "-" when nothing went wrong, request_protocol "tcp").
export type Reporter = 'source' | 'destination';
export type SecurityPolicy = 'mutual_tls' | 'unknown';
/** ztunnel's response flags: `-` is a clean connection; DENY is refused by policy, CONNECT could not reach upstream. */
export type ResponseFlag =
  | '-'
  | 'DENY'
  | 'CONNECT'
  | 'TLS_FAILURE'
  | 'H2_HANDSHAKE_FAILURE'
  | 'NETWORK_POLICY'
  | 'IDENTITY_ERROR'
  | 'CERT_REVOKED';

export const UNKNOWN = 'unknown';

/** Every label of istio_tcp_*; the locality four appear only when a workload on either side is known (as ztunnel). */
export interface TcpConnectionLabels {
  readonly reporter: Reporter;
  readonly source_workload: string;
  readonly source_canonical_service: string;
  readonly source_canonical_revision: string;
  readonly source_workload_namespace: string;
  readonly source_principal: string;
  readonly source_app: string;
  readonly source_version: string;
  readonly source_cluster: string;
  readonly destination_service: string;
  readonly destination_service_namespace: string;
  readonly destination_service_name: string;
  readonly destination_workload: string;
  readonly destination_canonical_service: string;
  readonly destination_canonical_revision: string;
  readonly destination_workload_namespace: string;
  readonly destination_principal: string;
  readonly destination_app: string;
  readonly destination_version: string;
  readonly destination_cluster: string;
  readonly request_protocol: 'tcp';
  readonly response_flags: ResponseFlag;
  readonly connection_security_policy: SecurityPolicy;
  readonly source_region?: string;
  readonly source_zone?: string;
  readonly destination_region?: string;
  readonly destination_zone?: string;
}

/** The workload fields the labels read; a mesh-state WorkloadRecord fits as is. */
export interface LabelledWorkload {
  readonly name: string;
  readonly namespace: string;
  readonly workloadName: string;
  readonly canonicalName: string;
  readonly canonicalRevision: string;
  readonly clusterId: string;
  readonly identity: string;
  readonly locality?: { readonly region: string; readonly zone: string };
}

/** The service fields the labels read; a mesh-state ServiceRecord fits as is. */
export interface LabelledService {
  readonly name: string;
  readonly namespace: string;
  readonly hostname: string;
}

/** What an inbound proxy knows of a peer it has no workload record for: the mTLS identity and what it implies. */
export interface DerivedSource {
  readonly identity?: string;
  readonly workloadName?: string;
  readonly app?: string;
  readonly revision?: string;
  readonly namespace?: string;
  readonly clusterId?: string;
  readonly region?: string;
  readonly zone?: string;
}

/** One connection as the reporting proxy sees it when it opens (ztunnel's ConnectionOpen). */
export interface ConnectionInfo {
  readonly reporter: Reporter;
  readonly source?: LabelledWorkload;
  /** Carries the only source_principal: the identity proven by the peer's certificate. */
  readonly derivedSource?: DerivedSource;
  readonly destination?: LabelledWorkload;
  readonly destinationService?: LabelledService;
  readonly securityPolicy: SecurityPolicy;
}

const known = (value: string | undefined): string => (value === undefined || value === '' ? UNKNOWN : value);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The label set of a connection; pure. `responseFlags` is set on the closing sample only, as ztunnel does. */
export function tcpConnectionLabels(info: ConnectionInfo, responseFlags: ResponseFlag = '-'): TcpConnectionLabels {
  const l: Mutable<TcpConnectionLabels> = {
    reporter: info.reporter,
    source_workload: UNKNOWN,
    source_canonical_service: UNKNOWN,
    source_canonical_revision: UNKNOWN,
    source_workload_namespace: UNKNOWN,
    source_principal: UNKNOWN,
    source_app: UNKNOWN,
    source_version: UNKNOWN,
    source_cluster: UNKNOWN,
    destination_service: known(info.destinationService?.hostname),
    destination_service_namespace: known(info.destinationService?.namespace),
    destination_service_name: known(info.destinationService?.name),
    destination_workload: UNKNOWN,
    destination_canonical_service: UNKNOWN,
    destination_canonical_revision: UNKNOWN,
    destination_workload_namespace: UNKNOWN,
    destination_principal: UNKNOWN,
    destination_app: UNKNOWN,
    destination_version: UNKNOWN,
    destination_cluster: UNKNOWN,
    request_protocol: 'tcp',
    response_flags: responseFlags,
    connection_security_policy: info.securityPolicy,
  };
  const derived = info.derivedSource;
  if (derived) {
    // ztunnel reports the derived workload name as source_app, not the app; kept for dashboard parity.
    Object.assign(l, {
      source_workload: known(derived.workloadName),
      source_canonical_service: known(derived.app),
      source_canonical_revision: known(derived.revision),
      source_workload_namespace: known(derived.namespace),
      source_principal: known(derived.identity),
      source_app: known(derived.workloadName),
      source_version: known(derived.revision),
      source_cluster: known(derived.clusterId),
      source_region: known(derived.region),
      source_zone: known(derived.zone),
    });
  }
  // The record wins over what was derived, except the principal: that comes from the handshake only.
  if (info.source) Object.assign(l, recordLabels('source', info.source));
  if (info.destination) {
    Object.assign(l, recordLabels('destination', info.destination), { destination_principal: known(info.destination.identity) });
  }
  return withLocalityLast(l);
}

/** The labels a workload record fills on one side (ztunnel's with_source / with_destination, minus the principal). */
function recordLabels(side: 'source' | 'destination', w: LabelledWorkload): Record<string, string> {
  return {
    [`${side}_workload`]: known(w.workloadName),
    [`${side}_canonical_service`]: known(w.canonicalName),
    [`${side}_canonical_revision`]: known(w.canonicalRevision),
    [`${side}_workload_namespace`]: known(w.namespace),
    [`${side}_app`]: known(w.canonicalName),
    [`${side}_version`]: known(w.canonicalRevision),
    [`${side}_cluster`]: known(w.clusterId),
    [`${side}_region`]: known(w.locality?.region),
    [`${side}_zone`]: known(w.locality?.zone),
  };
}

/** Locality labels follow the common ones, and once one side has them all four are present (unknown if unset). */
function withLocalityLast(l: TcpConnectionLabels): TcpConnectionLabels {
  const { source_region, source_zone, destination_region, destination_zone, ...common } = l;
  if ([source_region, source_zone, destination_region, destination_zone].every((v) => v === undefined)) return common;
  return {
    ...common,
    source_region: source_region ?? UNKNOWN,
    source_zone: source_zone ?? UNKNOWN,
    destination_region: destination_region ?? UNKNOWN,
    destination_zone: destination_zone ?? UNKNOWN,
  };
}

/** The label set with a different response flag (the closing sample of a connection that was denied or failed). */
export function withResponseFlags(labels: TcpConnectionLabels, responseFlags: ResponseFlag): TcpConnectionLabels {
  return labels.response_flags === responseFlags ? labels : { ...labels, response_flags: responseFlags };
}
