// Outbound plans in brief for the tables: hops as 'host:port', workloads and services by name.
import type { OutboundPlan } from '../../src/plan/outbound.js';

export function summary(plan: OutboundPlan): Record<string, unknown> {
  switch (plan.kind) {
    case 'hbone':
      return {
        kind: 'hbone', nextHop: `${plan.nextHop.host}:${plan.nextHop.port}`, authority: plan.authority,
        ids: plan.expectedIdentities, to: plan.destination.name, service: plan.service?.name, waypoint: plan.viaWaypoint,
      };
    case 'double-hbone':
      return {
        kind: 'double-hbone', gateway: `${plan.gateway.nextHop.host}:${plan.gateway.nextHop.port}`, gatewayIds: plan.gateway.expectedIdentities,
        authority: plan.authority, ids: plan.expectedIdentities, network: plan.forwardedNetwork, to: plan.destination.name,
        service: plan.service.name, waypoint: plan.viaWaypoint,
      };
    case 'plaintext':
      return { kind: 'plaintext', target: `${plan.target.host}:${plan.target.port}`, to: plan.destination?.name };
    case 'passthrough':
      return { kind: 'passthrough', target: `${plan.target.host}:${plan.target.port}` };
    case 'resolve':
      return { kind: 'resolve', hostname: plan.hostname, to: plan.destination.name, service: plan.service.name, targetPort: plan.targetPort, preferIpv6: plan.preferIpv6 };
    case 'refuse':
      return { kind: 'refuse', code: plan.code, reason: plan.reason };
  }
}
