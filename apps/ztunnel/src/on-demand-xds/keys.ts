// Which Address keys a connection still lacks in an on-demand ztunnel (Istio's XDS_ON_DEMAND, reference §3.2/§3.4),
// as pure functions over MeshState: ztunnel's DemandProxyState looks a key up only when find_* came back empty.
// Keys are istiod's: `<network>/<ip>` for an address, `<namespace>/<hostname>` for a service.
import type { GatewayRef, MeshState, ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';
import { canonicalIp, isIpLiteral } from '../plan/net.js';
import type { InboundRequest } from '../plan/inbound.js';
import type { OutboundDestination } from '../plan/outbound.js';
import { resolveWaypoint } from '../plan/waypoint.js';

export const addressKey = (network: string, ip: string): string => `${network}/${ip}`;

/**
 * Outbound (ztunnel fetch_address / fetch_hostname, then fetch_waypoint): the destination when neither a service
 * nor a workload has it; once it is known, its waypoint when that resolves to nothing.
 */
export function outboundKeys(state: MeshState, source: WorkloadRecord, destination: OutboundDestination): string[] {
  if ('hostname' in destination && !isIpLiteral(destination.hostname)) {
    const service = state.findServiceByHostname(destination.hostname, source.namespace);
    if (service === undefined) return [`${source.namespace}/${destination.hostname}`];
    return serviceWaypointKeys(state, service);
  }
  const ip = canonicalIp('hostname' in destination ? destination.hostname : destination.ip);
  if (ip === undefined) return [];
  const address = { network: source.network, ip };
  const service = state.findServiceByVip(address, source.namespace);
  if (service !== undefined) return serviceWaypointKeys(state, service);
  const workload = state.findWorkloadByAddress(address);
  if (workload === undefined) return [addressKey(source.network, ip)];
  return waypointKeys(state, workload.waypoint);
}

/**
 * Inbound (ztunnel inbound.rs fetch_workload_by_address for the source, when not through a gateway; and the target
 * of an HBONE request other than the dialled address, whose waypoint may be the local workload).
 */
export function inboundKeys(state: MeshState, request: InboundRequest): string[] {
  const keys: string[] = [];
  const viaGateway = request.forwardedNetwork !== undefined && request.forwardedNetwork !== request.network;
  const src = canonicalIp(request.srcIp);
  if (!viaGateway && src !== undefined && state.findWorkloadByAddress({ network: request.network, ip: src }) === undefined) {
    keys.push(addressKey(request.network, src));
  }
  const target = canonicalIp(request.authority.host);
  if (request.hbone === true && target !== undefined && target !== canonicalIp(request.dialledIp)) {
    const address = { network: request.network, ip: target };
    if (state.findServiceByVip(address) === undefined && state.findWorkloadByAddress(address) === undefined) keys.push(addressKey(request.network, target));
  }
  return keys;
}

/**
 * A service's waypoints that resolve to nothing yet: with weighted_waypoints every one of them, weight 0 included,
 * since the planner samples among them per connection and checks the source against all (it replaces `waypoint`).
 */
export function serviceWaypointKeys(state: MeshState, service: ServiceRecord): string[] {
  if (service.weightedWaypoints === undefined) return waypointKeys(state, service.waypoint);
  return [...new Set(service.weightedWaypoints.flatMap((w) => waypointKeys(state, w.waypoint)))];
}

/** The waypoint's key when it resolves to no workload yet. */
export function waypointKeys(state: MeshState, ref: GatewayRef | undefined): string[] {
  if (ref === undefined || resolveWaypoint(state, ref).workloads.length > 0) return [];
  return [ref.kind === 'hostname' ? `${ref.namespace}/${ref.hostname}` : addressKey(ref.network, ref.ip)];
}
