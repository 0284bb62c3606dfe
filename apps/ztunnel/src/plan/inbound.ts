// The inbound decision as a pure function (ztunnel src/proxy/inbound.rs, reference §1.4 steps 3–6): is the CONNECT
// target the local workload that was dialled, which port does it serve, and does L4 policy allow the peer.
// The HTTP status of a refusal is ztunnel's: 400 bad target, 503 nothing to connect to, 401 denied by policy.
import { evaluate, type Decision, type Identity } from '@ambient/l4-authz';
import type { MeshState, ServiceRecord, WorkloadRecord } from '@ambient/mesh-state';
import { routeAppTunnel, type AppTunnelPlan } from './app-tunnel.js';
import { targetPortOf } from './load-balance.js';
import { canonicalIp, hostPort, isPort } from './net.js';
import { resolveWaypoint } from './waypoint.js';

export interface InboundRequest {
  /** The local address the client connected to (the pod IP it dialled). */
  readonly dialledIp: string;
  /** The CONNECT :authority (HBONE) or the original destination (plaintext on 15006). */
  readonly authority: { host: string; port: number };
  /** The peer certificate's URI SAN; absent for plaintext inbound. */
  readonly peerIdentity?: string;
  /** The TCP peer address. */
  readonly srcIp: string;
  /** This ztunnel's network, the scope of every address lookup. */
  readonly network: string;
  /** An HBONE CONNECT: only those honour the local workload's application_tunnel (plaintext inbound ignores it). */
  readonly hbone?: boolean;
  /** The CONNECT's x-forwarded-network (double HBONE through a gateway); not part of the decision. */
  readonly forwardedNetwork?: string;
}

export interface InboundOptions {
  readonly illegalPorts: readonly number[];
}

export type InboundPlan =
  | {
      readonly kind: 'allow';
      readonly workload: WorkloadRecord;
      /** Where to connect: the dialled address and target port, or the application tunnel's. */
      readonly target: { host: string; port: number };
      readonly decision: Decision;
      /** Set when the workload has an application_tunnel: a PROXY header goes first when its protocol is PROXY. */
      readonly appTunnel?: AppTunnelPlan;
    }
  | {
      readonly kind: 'refuse';
      readonly status: 400 | 401 | 503;
      readonly reason: string;
      /** Set when policy denied it: the decision, and the local workload it was for (the denial is counted as its). */
      readonly decision?: Decision;
      readonly workload?: WorkloadRecord;
    };

type Refuse = Extract<InboundPlan, { kind: 'refuse' }>;
const refuse = (status: Refuse['status'], reason: string): Refuse => ({ kind: 'refuse', status, reason });

const SPIFFE = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

/** 'spiffe://td/ns/NS/sa/SA' to its parts; undefined for anything else. */
export function parseIdentity(uri: string): Identity | undefined {
  const m = SPIFFE.exec(uri);
  return m === null ? undefined : { trustDomain: m[1] as string, namespace: m[2] as string, serviceAccount: m[3] as string };
}

export function planInbound(state: MeshState, request: InboundRequest, options: InboundOptions): InboundPlan {
  const dialled = canonicalIp(request.dialledIp);
  if (dialled === undefined) return refuse(400, `dialled address "${request.dialledIp}" is not an IP address`);
  const srcIp = canonicalIp(request.srcIp);
  if (srcIp === undefined) return refuse(400, `peer address "${request.srcIp}" is not an IP address`);
  const { host, port } = request.authority;
  if (!isPort(port)) return refuse(400, `target port ${String(port)} is not a port from 1 to 65535`);
  if (host === '') return refuse(400, 'target host is empty');
  const local = state.findWorkloadByAddress({ network: request.network, ip: dialled });
  const targetIp = canonicalIp(host);
  let targetPort = port;
  let service: ServiceRecord | undefined;
  const tunnel = request.hbone === true ? local?.applicationTunnel : undefined;
  if (targetIp !== undefined) {
    // A workload with its own tunnel gets the target in the PROXY header and decides itself (ztunnel does not check).
    if (targetIp !== dialled && tunnel === undefined && !(local !== undefined && isWaypointOf(state, local, request.network, targetIp))) {
      return refuse(400, `target ${hostPort(targetIp, port)} is not the dialled address ${dialled}`);
    }
    if (local === undefined) return refuse(503, `no local workload at ${dialled} on network "${request.network}"`);
  } else {
    if (local === undefined) return refuse(503, `no local workload at ${dialled} on network "${request.network}"`);
    // A hostname target (from a network gateway) names a service; the local workload must be one of its endpoints.
    service = state.findServiceByHostname(host, local.namespace);
    if (service === undefined) return refuse(503, `no service has hostname ${host}`);
    if (!local.services.has(service.key)) return refuse(400, `${local.namespace}/${local.name} is not an endpoint of ${service.key}`);
    targetPort = targetPortOf(local, service, port);
    if (targetPort === 0) return refuse(503, `service ${service.key} has no target port for port ${port}`);
  }
  if (options.illegalPorts.includes(targetPort)) return refuse(503, `target port ${targetPort} is one of ztunnel's own ports`);
  let srcIdentity: Identity | undefined;
  if (request.peerIdentity !== undefined) {
    srcIdentity = parseIdentity(request.peerIdentity);
    if (srcIdentity === undefined) return refuse(401, `peer identity "${request.peerIdentity}" is not spiffe://<trust domain>/ns/<namespace>/sa/<service account>`);
  }
  let target = { host: dialled, port: targetPort };
  let appTunnel: AppTunnelPlan | undefined;
  if (tunnel !== undefined) {
    const route = routeAppTunnel({ tunnel, dialled, targetPort, authority: request.authority, network: request.network, ...(service ? { service } : {}) });
    if (typeof route === 'string') return refuse(503, route);
    ({ upstream: target, appTunnel } = route);
  }
  // As ztunnel, policy sees the port actually connected to (the tunnel port when one is set), on the dialled address.
  const decision = evaluate({ srcIp, srcIdentity, dstIp: dialled, dstPort: target.port }, state.policies.findApplicable(local));
  if (!decision.allowed) return { kind: 'refuse', status: 401, reason: decision.reason, decision, workload: local };
  return { kind: 'allow', workload: local, target, decision, ...(appTunnel ? { appTunnel } : {}) };
}

/**
 * Re-checks an open inbound connection after a state change (same inputs as planInbound): the policy decision, or
 * a denial when the connection would no longer be accepted at all (its workload is gone, its port moved).
 */
export function recheckInbound(state: MeshState, request: InboundRequest, options: InboundOptions): Decision {
  const plan = planInbound(state, request, options);
  if (plan.kind === 'allow') return plan.decision;
  return plan.decision ?? { allowed: false, reason: plan.reason, dryRun: [] };
}

/** ztunnel accepts a target other than the dialled address when the local workload is that target's waypoint. */
function isWaypointOf(state: MeshState, local: WorkloadRecord, network: string, targetIp: string): boolean {
  const address = { network, ip: targetIp };
  const ref = state.findServiceByVip(address)?.waypoint ?? state.findWorkloadByAddress(address)?.waypoint;
  return ref !== undefined && resolveWaypoint(state, ref).workloads.some((w) => w.uid === local.uid);
}
