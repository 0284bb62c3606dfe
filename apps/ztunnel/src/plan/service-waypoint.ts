// Which waypoint a service-addressed connection goes through (ztunnel fetch_service_waypoint): Service.waypoint, or
// with Service.weighted_waypoints one of them sampled per connection by weight — a canary between two waypoints.
import type { MeshState, ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';
import { pickByWeight } from './load-balance.js';
import { isFromWaypoint, resolveWaypoint, type WaypointTarget } from './waypoint.js';

/**
 * The waypoint for this connection, or undefined when the service has none or the source is one of its waypoints
 * (a waypoint sending on must not be sent back to any of them). Weight 0 takes no connections unless every weight
 * is 0, which reads as an even split, as capacity 0 does for endpoints.
 */
export function serviceWaypoint(state: MeshState, source: WorkloadRecord, service: ServiceRecord, random: () => number): WaypointTarget | undefined {
  const weighted = service.weightedWaypoints;
  if (weighted === undefined) {
    if (service.waypoint === undefined) return undefined;
    const target = resolveWaypoint(state, service.waypoint);
    return isFromWaypoint(source, target) ? undefined : target;
  }
  const targets = weighted.map((w) => ({ target: resolveWaypoint(state, w.waypoint), weight: w.weight }));
  if (targets.some((t) => isFromWaypoint(source, t.target))) return undefined;
  return pickByWeight(targets, (t) => t.weight, random)?.target;
}
