// istio.io/use-waypoint on an object or its namespace → the GatewayAddress of an istio-waypoint Gateway, honouring
// the Gateway's istio.io/waypoint-for (service by default, as istiod does).
import { create } from '@bufbuild/protobuf';
import { GatewayAddressSchema, type GatewayAddress } from '@ambient/api/workload';
import type { GatewayObject, NamespaceObject, Source } from './objects/model.js';
import type { ConfigProblem } from './types.js';

export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
export const USE_WAYPOINT_NAMESPACE_LABEL = 'istio.io/use-waypoint-namespace';
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
/** Kubernetes' DNS domain for a waypoint Gateway without spec.addresses (its Service's name). */
const CLUSTER_DOMAIN = 'cluster.local';

export type TrafficType = 'service' | 'workload';

interface Referrer {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly source: Source;
}

export class Waypoints {
  readonly #namespaces: ReadonlyMap<string, NamespaceObject>;
  readonly #gateways: ReadonlyMap<string, GatewayObject>;
  readonly #problems: ConfigProblem[];
  readonly #reported = new Set<string>();
  readonly #addresses = new Map<string, GatewayAddress>();

  constructor(namespaces: ReadonlyMap<string, NamespaceObject>, gateways: ReadonlyMap<string, GatewayObject>, problems: ConfigProblem[]) {
    this.#namespaces = namespaces;
    this.#gateways = gateways;
    this.#problems = problems;
  }

  /** The waypoint `who` uses for this kind of traffic; undefined for none (or a missing Gateway, reported once). */
  find(who: Referrer, traffic: TrafficType): { readonly gateway: GatewayObject; readonly address: GatewayAddress } | undefined {
    const ns = this.#namespaces.get(who.namespace);
    const fromObject = who.labels[USE_WAYPOINT_LABEL] !== undefined;
    const labels = fromObject ? who.labels : ns?.envelope.labels ?? {};
    const name = labels[USE_WAYPOINT_LABEL];
    if (name === undefined || name === '' || name === 'none') return undefined;
    const key = `${labels[USE_WAYPOINT_NAMESPACE_LABEL] ?? who.namespace}/${name}`;
    const gateway = this.#gateways.get(key);
    if (gateway === undefined) {
      this.#reportMissing(key, fromObject || ns === undefined ? who : { key: ns.envelope.key, source: ns.source });
      return undefined;
    }
    const waypointFor = gateway.envelope.labels[WAYPOINT_FOR_LABEL] ?? 'service';
    if (waypointFor !== 'all' && waypointFor !== traffic) return undefined;
    return { gateway, address: this.#addressOf(key, gateway) };
  }

  #addressOf(key: string, gateway: GatewayObject): GatewayAddress {
    let address = this.#addresses.get(key);
    if (address === undefined) {
      const { name, namespace } = gateway.envelope;
      const a = gateway.address;
      address = create(GatewayAddressSchema, {
        destination: a !== undefined && 'ip' in a
          ? { case: 'address', value: { network: '', address: a.ip.bytes } }
          : { case: 'hostname', value: { namespace, hostname: a?.hostname ?? `${name}.${namespace}.svc.${CLUSTER_DOMAIN}` } },
        hboneMtlsPort: gateway.hbonePort,
      });
      this.#addresses.set(key, address);
    }
    return address;
  }

  #reportMissing(gateway: string, at: { readonly key: string; readonly source: Source }): void {
    if (this.#reported.has(`${at.key}\n${gateway}`)) return;
    this.#reported.add(`${at.key}\n${gateway}`);
    this.#problems.push({
      code: 'CONFIG_ERR_WAYPOINT_MISSING', file: at.source.file, line: at.source.line, object: at.key, field: `metadata.labels[${USE_WAYPOINT_LABEL}]`,
      message: `no istio-waypoint Gateway ${gateway} exists; served without a waypoint until it does`,
    });
  }
}
