// Double HBONE plans (ztunnel build_request_through_gateway, reference §2.5): an upstream on another network — an
// endpoint or a waypoint — is reached through its network gateway. The outer CONNECT goes to the gateway and proves
// the gateway's identity; inside it a second TLS session and CONNECT prove the far side's. Both carry the
// authority '<service hostname>:<service port>', which is how the gateway picks where to forward without
// terminating the inner TLS.
import type { MeshState, ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';
import { addressFor, pickWeighted } from './load-balance.js';
import { hostPort } from './net.js';
import { identitiesOf, resolveWaypoint } from './waypoint.js';

export interface DoubleHbonePlan {
  readonly kind: 'double-hbone';
  /** ':authority' of both CONNECTs. */
  readonly authority: string;
  /** The outer tunnel (pooled): the gateway's address on its HBONE port and the identities it must prove. */
  readonly gateway: { readonly nextHop: { host: string; port: number }; readonly expectedIdentities: readonly string[] };
  /** Identities the inner TLS must prove: any the gateway may forward to on that network, plus the service SANs. */
  readonly expectedIdentities: readonly string[];
  /** The source's network, sent as x-forwarded-network on the inner CONNECT only. */
  readonly forwardedNetwork: string;
  /** The next hop (the gateway workload), as ztunnel reports the destination of such a connection. */
  readonly destination: WorkloadRecord;
  readonly service: ServiceRecord;
  readonly viaWaypoint: boolean;
}

export interface GatewayRefusal {
  readonly kind: 'refuse';
  readonly code: 'NO_HEALTHY_UPSTREAM';
  readonly reason: string;
}

/** The upstream chosen on another network and the others the gateway could forward the same connection to. */
export interface RemoteUpstream {
  readonly chosen: WorkloadRecord;
  readonly peers: readonly WorkloadRecord[];
  /** The Service in front of the upstream (a waypoint's own Service, or the addressed service): its SANs count. */
  readonly sansFrom?: ServiceRecord;
}

export interface GatewayTarget {
  readonly source: WorkloadRecord;
  /** The addressed service and port: the authority of both CONNECTs. */
  readonly service: ServiceRecord;
  readonly port: number;
  readonly viaWaypoint: boolean;
}

export function throughGateway(state: MeshState, upstream: RemoteUpstream, to: GatewayTarget, random: () => number): DoubleHbonePlan | GatewayRefusal {
  const { chosen } = upstream;
  const ref = chosen.networkGateway;
  const what = `${chosen.namespace}/${chosen.name} on network "${chosen.network}"`;
  if (ref === undefined) return refuse(`${what} has no network gateway to reach it through`);
  const gateway = resolveWaypoint(state, ref);
  const picked = pickWeighted(gateway.workloads.map((workload) => ({ workload })), random);
  const where = ref.kind === 'hostname' ? `${ref.namespace}/${ref.hostname}` : `${ref.network}/${ref.ip}`;
  if (picked === undefined) return refuse(`network gateway ${where} of ${what} is not a known workload or service`);
  const far = upstream.peers.filter((w) => w.network === chosen.network).map((w) => w.identity);
  return {
    kind: 'double-hbone',
    authority: hostPort(to.service.hostname, to.port),
    gateway: {
      nextHop: { host: addressFor(picked.workload, ref.kind === 'address' ? ref.ip : undefined) as string, port: ref.hbonePort },
      expectedIdentities: identitiesOf(picked.workload, gateway.service),
    },
    expectedIdentities: [...new Set([chosen.identity, ...far, ...(upstream.sansFrom?.subjectAltNames ?? [])])],
    forwardedNetwork: to.source.network,
    destination: picked.workload,
    service: to.service,
    viaWaypoint: to.viaWaypoint,
  };
}

function refuse(reason: string): GatewayRefusal {
  return { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason };
}
