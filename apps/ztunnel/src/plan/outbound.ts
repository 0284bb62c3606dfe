// The outbound decision as a pure function (ztunnel `build_request` in src/proxy/outbound.rs, reference §1.3):
// from the source workload and the original destination to the next hop, the :authority and the identities the
// far side must prove — before any socket is touched.
import type { MeshState, ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';
import { candidatesFor } from './candidates.js';
import { throughGateway, type DoubleHbonePlan } from './double-hbone.js';
import { addressFor, pickWeighted, preferLocality } from './load-balance.js';
import { canonicalIp, hostPort, isIpLiteral, isLoopback, isPort } from './net.js';
import { serviceWaypoint } from './service-waypoint.js';
import { identitiesOf, isFromWaypoint, resolveWaypoint, type WaypointTarget } from './waypoint.js';

export type OutboundPlan =
  | {
      readonly kind: 'hbone';
      readonly nextHop: { host: string; port: number };
      readonly authority: string;
      readonly expectedIdentities: readonly string[];
      readonly destination: WorkloadRecord;
      readonly service?: ServiceRecord;
      readonly viaWaypoint: boolean;
    }
  | DoubleHbonePlan
  | { readonly kind: 'plaintext'; readonly target: { host: string; port: number }; readonly destination?: WorkloadRecord }
  | { readonly kind: 'passthrough'; readonly target: { host: string; port: number } }
  | ResolvePlan
  | { readonly kind: 'refuse'; readonly code: 'SELF_CALL' | 'NO_HEALTHY_UPSTREAM' | 'UNKNOWN_NAME' | 'UNSUPPORTED'; readonly reason: string };

/**
 * The chosen endpoint has a hostname and no address (a DNS ServiceEntry's): resolve it on demand, then finish the
 * plan with `planResolved`, as ztunnel's pick_workload_destination_or_resolve does before build_request goes on.
 */
export interface ResolvePlan {
  readonly kind: 'resolve';
  readonly hostname: string;
  readonly destination: WorkloadRecord;
  readonly service: ServiceRecord;
  readonly targetPort: number;
  /** The client dialled an IPv6 address: an answer of that family is preferred. */
  readonly preferIpv6: boolean;
}

/** A plan ready to connect: anything but a hostname still to resolve. */
export type FinalPlan = Exclude<OutboundPlan, ResolvePlan>;

export type OutboundDestination = { ip: string; port: number } | { hostname: string; port: number };

export interface OutboundOptions {
  readonly hbonePort: number;
  /** Ports of this ztunnel's own listeners: a loopback call to one would loop back into ztunnel. */
  readonly illegalPorts: readonly number[];
  /** [0, 1) source for load balancing and weighted waypoints; Math.random unless a test pins it. */
  readonly random?: () => number;
}

type Refuse = Extract<OutboundPlan, { kind: 'refuse' }>;
const refuse = (code: Refuse['code'], reason: string): Refuse => ({ kind: 'refuse', code, reason });

/** Where a service-addressed connection was aimed: a VIP, or the hostname when the service has none. */
interface Addressed {
  readonly service: ServiceRecord;
  readonly host: string;
  readonly port: number;
}

export function planOutbound(state: MeshState, source: WorkloadRecord, destination: OutboundDestination, options: OutboundOptions): OutboundPlan {
  const { port } = destination;
  if (!isPort(port)) return refuse('UNSUPPORTED', `destination port ${String(port)} is not a port from 1 to 65535`);
  if ('hostname' in destination) {
    if (isIpLiteral(destination.hostname)) return planOutbound(state, source, { ip: destination.hostname, port }, options);
    const service = state.findServiceByHostname(destination.hostname, source.namespace);
    if (service === undefined) return refuse('UNKNOWN_NAME', `no service in the mesh has hostname ${destination.hostname}`);
    return toService(state, source, { service, host: vipFor(service, source.network) ?? service.hostname, port }, options);
  }
  const ip = canonicalIp(destination.ip);
  if (ip === undefined) return refuse('UNSUPPORTED', `destination "${destination.ip}" is not an IP address`);
  if (isLoopback(ip) && options.illegalPorts.includes(port)) {
    return refuse('SELF_CALL', `${hostPort(ip, port)} is one of ztunnel's own ports on loopback; refusing to loop into ztunnel`);
  }
  const service = state.findServiceByVip({ network: source.network, ip }, source.namespace);
  if (service !== undefined) return toService(state, source, { service, host: ip, port }, options);
  const workload = state.findWorkloadByAddress({ network: source.network, ip });
  if (workload === undefined) return { kind: 'passthrough', target: { host: ip, port } };
  return toWorkload(state, source, workload, ip, port, options);
}

/** Steps 3–5 and 7 for traffic addressed to a service: its waypoint, passthrough, or a chosen endpoint. */
function toService(state: MeshState, source: WorkloadRecord, to: Addressed, options: OutboundOptions): OutboundPlan {
  const { service, host, port } = to;
  const random = options.random ?? Math.random;
  const waypoint = serviceWaypoint(state, source, service, random);
  if (waypoint !== undefined) return viaWaypoint(state, source, waypoint, to, hostPort(host, port), random);
  if (service.loadBalancing?.mode === 'PASSTHROUGH') return { kind: 'passthrough', target: { host, port } };
  if (!hasPort(service, port)) {
    return refuse('NO_HEALTHY_UPSTREAM', `service ${service.key} has no port ${port}`);
  }
  const all = state.findEndpoints(service.key);
  const { usable, unreachable } = candidatesFor(all, service, port, source.network);
  const chosen = pickWeighted(preferLocality(service, source, usable), random);
  if (chosen === undefined) {
    const why =
      all.length === 0 ? 'no healthy endpoints'
      : usable.length === 0 && unreachable > 0 ? 'endpoints only on other networks, none with a network gateway'
      : `no endpoint that serves port ${port} here`;
    return refuse('NO_HEALTHY_UPSTREAM', `service ${service.key} has ${why}`);
  }
  if (chosen.workload.network !== source.network) {
    const peers = usable.map((e) => e.workload);
    return throughGateway(state, { chosen: chosen.workload, peers, sansFrom: service }, { source, service, port, viaWaypoint: false }, random);
  }
  if (chosen.workload.addresses.length === 0) {
    const { workload, targetPort } = chosen;
    return { kind: 'resolve', hostname: workload.hostname, destination: workload, service, targetPort, preferIpv6: isIpLiteral(host) && host.includes(':') };
  }
  const podIp = addressFor(chosen.workload, isIpLiteral(host) ? host : undefined, service.ipFamilies) as string;
  return direct(chosen.workload, podIp, chosen.targetPort, service, options);
}

/** Steps 5–7 for traffic addressed to a workload's own IP. */
function toWorkload(state: MeshState, source: WorkloadRecord, workload: WorkloadRecord, ip: string, port: number, options: OutboundOptions): OutboundPlan {
  if (workload.waypoint !== undefined) {
    const waypoint = resolveWaypoint(state, workload.waypoint);
    if (!isFromWaypoint(source, waypoint)) return viaWaypoint(state, source, waypoint, undefined, hostPort(ip, port), options.random ?? Math.random);
  }
  return direct(workload, ip, port, undefined, options);
}

/** Step 7 once a hostname-only endpoint resolved to `ip`: plain TCP for tunnel protocol NONE, else HBONE. */
export function planResolved(plan: ResolvePlan, ip: string, options: Pick<OutboundOptions, 'hbonePort'>): FinalPlan {
  return direct(plan.destination, ip, plan.targetPort, plan.service, options);
}

function direct(workload: WorkloadRecord, podIp: string, targetPort: number, service: ServiceRecord | undefined, options: Pick<OutboundOptions, 'hbonePort'>): FinalPlan {
  if (workload.tunnelProtocol === 'NONE') return { kind: 'plaintext', target: { host: podIp, port: targetPort }, destination: workload };
  return {
    kind: 'hbone',
    nextHop: { host: podIp, port: options.hbonePort },
    authority: hostPort(podIp, targetPort),
    expectedIdentities: [...new Set([workload.identity, ...(service?.subjectAltNames ?? [])])],
    destination: workload,
    ...(service === undefined ? {} : { service }),
    viaWaypoint: false,
  };
}

/**
 * HBONE to the waypoint on its HBONE port; the authority stays the original destination, untranslated. A waypoint
 * only on other networks is reached by double HBONE through its gateway, for service-addressed traffic only.
 */
function viaWaypoint(
  state: MeshState, source: WorkloadRecord, waypoint: WaypointTarget, to: Addressed | undefined, authority: string, random: () => number,
): OutboundPlan {
  const where = waypoint.ref.kind === 'hostname' ? `${waypoint.ref.namespace}/${waypoint.ref.hostname}` : `${waypoint.ref.network}/${waypoint.ref.ip}`;
  const local = waypoint.workloads.filter((w) => w.network === source.network);
  if (local.length === 0 && waypoint.workloads.length > 0) {
    if (to === undefined) {
      return refuse('UNSUPPORTED', `waypoint ${where} is on another network; only service-addressed traffic crosses networks`);
    }
    const reachable = waypoint.workloads.filter((w) => w.networkGateway !== undefined);
    const picked = pickWeighted(reachable.map((workload) => ({ workload })), random);
    if (picked === undefined) return refuse('NO_HEALTHY_UPSTREAM', `waypoint ${where} is only on other networks, none with a network gateway`);
    const upstream = { chosen: picked.workload, peers: reachable, ...(waypoint.service ? { sansFrom: waypoint.service } : {}) };
    return throughGateway(state, upstream, { source, service: to.service, port: to.port, viaWaypoint: true }, random);
  }
  const chosen = pickWeighted(local.map((workload) => ({ workload })), random);
  if (chosen === undefined) return refuse('NO_HEALTHY_UPSTREAM', `waypoint ${where} has no workload to send to`);
  return {
    kind: 'hbone',
    nextHop: { host: addressFor(chosen.workload, waypoint.ref.kind === 'address' ? waypoint.ref.ip : undefined) as string, port: waypoint.ref.hbonePort },
    authority,
    expectedIdentities: identitiesOf(chosen.workload, waypoint.service),
    destination: chosen.workload,
    ...(to === undefined ? {} : { service: to.service }),
    viaWaypoint: true,
  };
}

/** The address a hostname-addressed service is reached at: a VIP on the source's network, IPv4 first. */
function vipFor(service: ServiceRecord, network: string): string | undefined {
  const vips = service.vips.filter((v) => v.network === network && (v.prefixLength ?? 128) >= (v.ip.includes(':') ? 128 : 32));
  return (vips.find((v) => !v.ip.includes(':')) ?? vips[0])?.ip;
}

function hasPort(service: ServiceRecord, port: number): boolean {
  for (const p of service.ports) if (p.servicePort === port) return true;
  return false;
}
