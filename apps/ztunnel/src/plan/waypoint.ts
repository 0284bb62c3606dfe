// Resolving a waypoint reference to the workloads that run it (ztunnel fetch_service_waypoint /
// fetch_workload_waypoint): by hostname through the waypoint's Service, by address to a workload or a Service VIP.
import type { GatewayRef, MeshState, ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';

export interface WaypointTarget {
  readonly ref: GatewayRef;
  /** The waypoint's Service when it was reached through one (its SANs join the expected identities). */
  readonly service?: ServiceRecord;
  /** Workloads that can take the connection, with at least one address. */
  readonly workloads: readonly WorkloadRecord[];
}

export function resolveWaypoint(state: MeshState, ref: GatewayRef): WaypointTarget {
  if (ref.kind === 'hostname') {
    const service = state.findServiceByKey(`${ref.namespace}/${ref.hostname}`) ?? state.findServiceByHostname(ref.hostname, ref.namespace);
    return service === undefined ? { ref, workloads: [] } : { ref, service, workloads: withAddress(state.findEndpoints(service.key)) };
  }
  const address = { network: ref.network, ip: ref.ip };
  const workload = state.findWorkloadByAddress(address);
  if (workload !== undefined) return { ref, workloads: [workload] };
  const service = state.findServiceByVip(address);
  return service === undefined ? { ref, workloads: [] } : { ref, service, workloads: withAddress(state.findEndpoints(service.key)) };
}

/**
 * ztunnel check_from_waypoint: traffic the waypoint itself sends on must not be sent back to it. The source is the
 * waypoint when it is one of the waypoint's workloads, or has the same identity and shares an address with one.
 */
export function isFromWaypoint(source: WorkloadRecord, waypoint: WaypointTarget): boolean {
  return waypoint.workloads.some(
    (w) => w.uid === source.uid || (w.identity === source.identity && w.addresses.some((a) => source.addresses.includes(a))),
  );
}

/** Waypoint SANs: the waypoint workload's identity, then its Service's subject_alt_names, without repeats. */
export function identitiesOf(workload: WorkloadRecord, service: ServiceRecord | undefined): readonly string[] {
  return [...new Set([workload.identity, ...(service?.subjectAltNames ?? [])])];
}

function withAddress(list: readonly WorkloadRecord[]): WorkloadRecord[] {
  return list.filter((w) => w.addresses.length > 0);
}
