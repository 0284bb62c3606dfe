// The validated form of each object ambientd reads: what translation needs and nothing else, plus where it came from.
import type { Envelope } from '../envelope.js';
import type { Ip, Vip } from '../ip.js';

export interface Source {
  readonly file: string;
  /** 1-based line where the object starts. */
  readonly line: number;
  /** Position of the document in its file, 0-based. */
  readonly index: number;
}

interface Base {
  readonly envelope: Envelope;
  readonly source: Source;
}

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

/**
 * A ServiceEntry endpoint named by DNS (resolution DNS or DNS_ROUND_ROBIN): istiod sends it as a Workload with
 * `hostname` and no addresses, and ztunnel resolves it when a connection picks it.
 */
export interface HostAddress {
  readonly hostname: string;
  /** The hostname again: the key in the workload uid, as `Ip.text` is. */
  readonly text: string;
  /**
   * Made from one of spec.hosts because no endpoints were given (istiod's implicit endpoints): an endpoint of that
   * host's Service only, and never behind a waypoint.
   */
  readonly implicit: boolean;
}

/** WorkloadEntry.spec, also the shape of a ServiceEntry's inline endpoints. */
export interface WorkloadSpec {
  /** An IP; a hostname only for a ServiceEntry endpoint with DNS resolution. */
  readonly address: Ip | HostAddress;
  /** Line of the address, for conflict messages. */
  readonly addressLine: number;
  /** Field path of the address, e.g. 'spec.address' or 'spec.endpoints[1].address'. */
  readonly addressField: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: Readonly<Record<string, number>>;
  readonly serviceAccount: string;
  readonly network: string;
  readonly locality?: Locality;
  readonly weight?: number;
}

export interface NamespaceObject extends Base {
  readonly kind: 'Namespace';
}

export interface WorkloadEntryObject extends Base {
  readonly kind: 'WorkloadEntry';
  readonly spec: WorkloadSpec;
}

export type Resolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';

export type AppProtocolName = 'HTTP11' | 'HTTP2' | 'GRPC' | 'UNKNOWN';

export interface ServicePort {
  readonly number: number;
  readonly targetPort?: number;
  readonly name: string;
  readonly appProtocol: AppProtocolName;
}

export interface ServiceVip extends Vip {
  readonly line: number;
  readonly field: string;
}

export interface ServiceEntryObject extends Base {
  readonly kind: 'ServiceEntry';
  readonly hosts: readonly string[];
  readonly hostsLine: number;
  readonly vips: readonly ServiceVip[];
  readonly ports: readonly ServicePort[];
  /** spec.resolution, NONE when left out (Istio's default). */
  readonly resolution: Resolution;
  /** workloadSelector.labels when a selector is given; inline endpoints otherwise. */
  readonly selector?: Readonly<Record<string, string>>;
  /** Inline endpoints; with DNS resolution and neither endpoints nor a selector, one per host (implicit). */
  readonly endpoints: readonly WorkloadSpec[];
  readonly subjectAltNames: readonly string[];
  /** exportTo: ['.'] — visible in its own namespace only. */
  readonly namespaceOnly: boolean;
}

export interface GatewayObject extends Base {
  readonly kind: 'Gateway';
  /** The first of spec.addresses: an IP, or a hostname in the Gateway's namespace; absent → '<name>.<ns>.svc.<domain>'. */
  readonly address?: { readonly ip: Ip } | { readonly hostname: string };
  readonly hbonePort: number;
}

/** AuthorizationPolicy and PeerAuthentication stay YAML text: @ambient/l4-authz/yaml translates them. */
export interface PolicyObject extends Base {
  readonly kind: 'AuthorizationPolicy' | 'PeerAuthentication';
  readonly text: string;
}

export type ConfigObject = NamespaceObject | WorkloadEntryObject | ServiceEntryObject | GatewayObject | PolicyObject;
