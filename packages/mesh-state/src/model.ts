// The domain records the store holds: workloads and services as ztunnel keeps them (src/state/workload.rs,
// src/state/service.rs), with wire enums turned into names and addresses into canonical text.

/** An address scoped by network: the key of every address index. `ip` is a dotted quad or RFC 5952 IPv6 text. */
export interface NetworkIp {
  readonly network: string;
  readonly ip: string;
}

/** A service port and the port the workload serves it on; targetPort 0 means "not known here". */
export interface PortMapping {
  readonly servicePort: number;
  readonly targetPort: number;
  /** UNKNOWN, HTTP11, HTTP2, GRPC, TCP or TLS. */
  readonly appProtocol: string;
}

/** A waypoint or network gateway, by address or by the hostname of the Service in front of it. */
export type GatewayRef =
  | { readonly kind: 'address'; readonly network: string; readonly ip: string; readonly hbonePort: number }
  | { readonly kind: 'hostname'; readonly namespace: string; readonly hostname: string; readonly hbonePort: number };

/** One waypoint of Service.weighted_waypoints and its share of new connections (weight 0 takes none). */
export interface WeightedWaypoint {
  readonly waypoint: GatewayRef;
  readonly weight: number;
}

/**
 * Workload.application_tunnel: the workload takes tunnelled traffic itself, optionally on its own port (0: the
 * resolved target port) and with a PROXY protocol v2 header carrying the original addresses and peer identity.
 */
export interface ApplicationTunnel {
  readonly protocol: 'NONE' | 'PROXY';
  readonly port: number;
}

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

export interface WorkloadRecord {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly addresses: readonly string[];
  /** A DNS name for workloads without addresses (resolved on demand), else ''. */
  readonly hostname: string;
  readonly network: string;
  readonly node: string;
  readonly trustDomain: string;
  readonly serviceAccount: string;
  /** spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount> */
  readonly identity: string;
  readonly tunnelProtocol: 'HBONE' | 'NONE';
  /** HOST_NETWORK workloads share their node's address, so they are not indexed by address. */
  readonly networkMode: 'STANDARD' | 'HOST_NETWORK';
  readonly waypoint?: GatewayRef;
  readonly networkGateway?: GatewayRef;
  readonly applicationTunnel?: ApplicationTunnel;
  /** Port mappings per service this workload is an endpoint of, keyed 'namespace/hostname'. */
  readonly services: ReadonlyMap<string, readonly PortMapping[]>;
  readonly authorizationPolicies: readonly string[];
  readonly canonicalName: string;
  readonly canonicalRevision: string;
  readonly workloadName: string;
  /** deployment, cronjob, pod or job (lower case, as ztunnel dumps it). */
  readonly workloadType: string;
  readonly clusterId: string;
  readonly locality?: Locality;
  /** Load-balancing weight; 1 when the control plane leaves it out. */
  readonly capacity: number;
  readonly healthy: boolean;
}

export type LoadBalancingMode = 'UNSPECIFIED' | 'STRICT' | 'FAILOVER' | 'PASSTHROUGH';
/** Locality scopes in routing_preference: REGION, ZONE, SUBZONE, NODE, CLUSTER, NETWORK. */
export type LocalityScope = 'REGION' | 'ZONE' | 'SUBZONE' | 'NODE' | 'CLUSTER' | 'NETWORK';
/** The address families a service is served over (Kubernetes' ipFamilyPolicy as Istio sends it); AUTOMATIC when unset. */
export type ServiceIpFamilies = 'AUTOMATIC' | 'IPV4_ONLY' | 'IPV6_ONLY' | 'DUAL';
/** Who may see a service: everyone, or only workloads of its own namespace (a ServiceEntry with `exportTo: ['.']`). */
export type ServiceVisibility = 'PUBLIC' | 'NAMESPACE';

export interface ServiceRecord {
  /** 'namespace/hostname', the xDS resource name. */
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  readonly hostname: string;
  readonly vips: readonly (NetworkIp & { readonly prefixLength?: number })[];
  readonly ports: readonly PortMapping[];
  readonly subjectAltNames: readonly string[];
  readonly waypoint?: GatewayRef;
  /** Present when the control plane splits new connections between waypoints; it then replaces `waypoint`. */
  readonly weightedWaypoints?: readonly WeightedWaypoint[];
  readonly loadBalancing?: {
    readonly mode: LoadBalancingMode;
    readonly routingPreference: readonly LocalityScope[];
    /** ONLY_HEALTHY endpoints (the default) or ALLOW_ALL. */
    readonly healthPolicy: 'ONLY_HEALTHY' | 'ALLOW_ALL';
  };
  /** Preferred among services sharing a hostname when none is in the caller's namespace. */
  readonly canonical: boolean;
  /** NAMESPACE: ztunnel's DNS proxy answers its hostname only to workloads of its namespace (reference §1.9). */
  readonly visibility: ServiceVisibility;
  /**
   * IPV4_ONLY or IPV6_ONLY: an endpoint is reached at its address of that family, and DNS answers only that family's
   * record type, even when the pods are dual-stack (reference §1.3, §1.9).
   */
  readonly ipFamilies: ServiceIpFamilies;
}

/** What one batch changed: workload uids, service keys and policy keys, each sorted. */
export interface StateChange {
  readonly workloads: readonly string[];
  readonly services: readonly string[];
  readonly policies: readonly string[];
}

/** A resource the writer could not use, for the xDS NACK: '<name>: <reason>'. */
export interface Rejection {
  readonly name: string;
  readonly reason: string;
}

/** 'spiffe://td/ns/ns/sa/sa', as ztunnel formats Identity::Spiffe. */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}
