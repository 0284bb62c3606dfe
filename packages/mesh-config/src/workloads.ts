// WorkloadEntries and ServiceEntry inline endpoints → istio.workload.Workload as istiod builds them for ztunnel
// (pilot/pkg/serviceregistry/ambient workloadentry and serviceentry builders): uid, identity, tunnel, services.
import { create } from '@bufbuild/protobuf';
import { workloadPolicyKeys, type Translation } from '@ambient/l4-authz/yaml';
import {
  AddressSchema, PortListSchema, TunnelProtocol, WorkloadStatus, WorkloadType, type Address, type PortList,
} from '@ambient/api/workload';
import type { Ip } from './ip.js';
import type { NamespaceObject, ServiceEntryObject, Source, WorkloadSpec } from './objects/model.js';
import { isHostAddress } from './hostname.js';
import type { AddressMemo } from './memo.js';
import type { MeshConfigOptions } from './types.js';
import type { Waypoints } from './waypoints.js';

export const NODE_LABEL = 'ambient.dev/node';
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
/** Istio's label for a workload that accepts HBONE itself (model.TunnelLabel, value 'http'). */
export const TUNNEL_LABEL = 'networking.istio.io/tunnel';

export interface WorkloadInput {
  readonly key: string;
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly spec: WorkloadSpec;
  /**
   * Labels that select policies, name the canonical service and opt out of ambient: the WorkloadEntry's own, or the
   * ServiceEntry's for its inline endpoints (istiod's serviceEntryWorkloadBuilder).
   */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels that may carry istio.io/use-waypoint: the endpoint's own for inline endpoints. */
  readonly waypointLabels: Readonly<Record<string, string>>;
  readonly source: Source;
}

export interface WorkloadContext {
  readonly options: MeshConfigOptions;
  readonly namespaces: ReadonlyMap<string, NamespaceObject>;
  /** ServiceEntries by namespace. */
  readonly services: ReadonlyMap<string, readonly ServiceEntryObject[]>;
  /** The policy translation narrowed to what can apply in a namespace (its own and the root namespace's). */
  readonly policies: (namespace: string) => Translation;
  readonly waypoints: Waypoints;
  readonly memo: AddressMemo;
}

export function workloadEntryUid(clusterId: string, namespace: string, name: string): string {
  return `${clusterId}/networking.istio.io/WorkloadEntry/${namespace}/${name}`;
}

export function serviceEntryEndpointUid(clusterId: string, namespace: string, name: string, address: string): string {
  return `${clusterId}/networking.istio.io/ServiceEntry/${namespace}/${name}/${address}`;
}

export function buildWorkload(w: WorkloadInput, ctx: WorkloadContext, inline?: ServiceEntryObject): Address {
  const { spec, namespace, labels } = w;
  const ns = ctx.namespaces.get(namespace);
  const host = isHostAddress(spec.address) ? spec.address : undefined;
  // istiod gives implicit endpoints no waypoint of their own.
  const waypoint = host?.implicit ? undefined : ctx.waypoints.find({ key: w.key, namespace, labels: w.waypointLabels, source: w.source }, 'workload');
  const services = inline === undefined ? selectingServices(spec, namespace, ctx) : [inline];
  const authorizationPolicies = workloadPolicyKeys(ctx.policies(namespace), { namespace, labels });
  // Everything the Address is built from: the spec (and for inline endpoints the ServiceEntry, among `services`).
  const deps = [spec, ns, waypoint?.gateway, authorizationPolicies.join('\n'), ...services];
  return ctx.memo.get(w.uid, deps, () => create(AddressSchema, {
    type: {
      case: 'workload',
      value: {
        uid: w.uid, name: w.name, namespace, network: spec.network,
        ...(host === undefined ? { addresses: [(spec.address as Ip).bytes] } : { hostname: host.hostname }),
        tunnelProtocol: tunnelOf(ns, labels, host !== undefined),
        trustDomain: ctx.options.trustDomain, serviceAccount: spec.serviceAccount,
        ...(waypoint === undefined ? {} : { waypoint: waypoint.address }),
        node: spec.labels[NODE_LABEL] ?? '',
        canonicalName: labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels['app'] ?? w.name,
        canonicalRevision: labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels['version'] ?? 'latest',
        workloadType: WorkloadType.POD, workloadName: w.name,
        services: servicesMap(services, spec, host?.implicit ? host.hostname : undefined), authorizationPolicies,
        status: WorkloadStatus.HEALTHY, clusterId: ctx.options.clusterId,
        ...(spec.locality === undefined ? {} : { locality: spec.locality }),
        ...(spec.weight === undefined ? {} : { capacity: spec.weight }),
      },
    },
  }));
}

/**
 * HBONE for workloads in an ambient namespace. A DNS-named endpoint is something outside the mesh found by name, so
 * it takes istiod's own rule (setTunnelProtocol): HBONE only when labelled networking.istio.io/tunnel=http.
 */
function tunnelOf(ns: NamespaceObject | undefined, labels: Readonly<Record<string, string>>, byName: boolean): TunnelProtocol {
  if (byName) return labels[TUNNEL_LABEL] === 'http' ? TunnelProtocol.HBONE : TunnelProtocol.NONE;
  return isAmbient(ns, labels) ? TunnelProtocol.HBONE : TunnelProtocol.NONE;
}

/** Only workloads in a namespace labelled istio.io/dataplane-mode=ambient are reached over HBONE; 'none' opts one out. */
export function isAmbient(ns: NamespaceObject | undefined, objectLabels: Readonly<Record<string, string>>): boolean {
  return ns?.envelope.labels[DATAPLANE_MODE_LABEL] === 'ambient' && objectLabels[DATAPLANE_MODE_LABEL] !== 'none';
}

function selectingServices(spec: WorkloadSpec, namespace: string, ctx: WorkloadContext): ServiceEntryObject[] {
  return (ctx.services.get(namespace) ?? []).filter((se) => se.selector !== undefined && selects(se.selector, spec.labels));
}

/** `onlyHost`: an implicit endpoint serves the Service of the host it was made from, not its siblings'. */
function servicesMap(services: readonly ServiceEntryObject[], spec: WorkloadSpec, onlyHost: string | undefined): Record<string, PortList> {
  const out: Record<string, PortList> = {};
  for (const se of services) Object.assign(out, servicesOf(se, spec, onlyHost));
  return out;
}

/**
 * 'namespace/hostname' → ports, the target port from the workload's port of the same name, else targetPort, else the
 * number; no app_protocol here, as istiod's constructServicesFromWorkloadEntry (the Service carries it).
 */
function servicesOf(se: ServiceEntryObject, spec: WorkloadSpec, onlyHost: string | undefined): Record<string, PortList> {
  const ports = create(PortListSchema, {
    ports: se.ports.map((p) => ({ servicePort: p.number, targetPort: spec.ports[p.name] ?? p.targetPort ?? p.number })),
  });
  const out: Record<string, PortList> = {};
  for (const host of se.hosts) if (onlyHost === undefined || host === onlyHost) out[`${se.envelope.namespace}/${host}`] = ports;
  return out;
}

/** workloadPolicyKeys looks at every policy; narrowing once per namespace keeps it from scaling with the mesh. */
export function policiesByNamespace(t: Translation): (namespace: string) => Translation {
  const narrowed = new Map<string, Translation>();
  return (namespace) => {
    let n = narrowed.get(namespace);
    if (n === undefined) {
      n = { ...t, policies: t.policies.filter((p) => p.authorization.namespace === namespace || p.authorization.namespace === t.rootNamespace) };
      narrowed.set(namespace, n);
    }
    return n;
  };
}

export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}
