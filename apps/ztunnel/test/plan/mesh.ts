// One small mesh for the plan tables: a client, a service with two endpoints, a plain-TCP workload, waypoints for a
// service and for a workload, a passthrough service, an empty one, services reaching into another network through
// its east-west gateway, and services splitting connections between weighted waypoints.
import { Action, Scope, type Authorization } from '@ambient/api/security';
import { IPFamilies, LoadBalancing_Mode, TunnelProtocol, WorkloadStatus } from '@ambient/api/workload';
import { authorization, ipBytes, meshOf, service, waypointAt, waypointByHost, workload } from '@ambient/mesh-state/testing';
import type { MeshState, WorkloadRecord } from '@ambient/mesh-state';

export const ECHO = 'default/echo.default.svc.cluster.local';
export const WAYPOINT_SVC = 'default/waypoint.default.svc.cluster.local';
const EASTWEST_SVC = 'istio-system/eastwest.istio-system.svc.cluster.local';
const LOCALITY = { region: 'r1', zone: 'z1', subzone: 's1' };

export function world(): MeshState {
  return meshOf(
    workload('sleep', '10.0.0.1', { serviceAccount: 'sleep', locality: LOCALITY }),
    service('echo', '10.96.0.10', { subjectAltNames: ['spiffe://cluster.local/ns/default/sa/echo-alt'] }),
    workload('echo-1', '10.0.1.1', { serviceAccount: 'echo', services: { [ECHO]: { ports: [{ servicePort: 80, targetPort: 9090 }] } } }),
    workload('echo-2', '10.0.1.2', { serviceAccount: 'echo', services: { [ECHO]: { ports: [] } } }),
    workload('legacy', '10.0.2.1', { tunnelProtocol: TunnelProtocol.NONE }),
    workload('pod', '10.0.3.1', { serviceAccount: 'pod' }),
    workload('remote-pod', '10.0.3.9', { network: 'east' }),
    // A waypoint deployment behind its own Service, used by the service 'reviews' and, by address, by 'guarded'.
    service('waypoint', '10.96.0.99', { ports: [{ servicePort: 15008, targetPort: 15008 }], subjectAltNames: ['spiffe://cluster.local/ns/default/sa/waypoint-alt'] }),
    workload('wp', '10.0.9.1', { serviceAccount: 'waypoint', services: { [WAYPOINT_SVC]: { ports: [] } } }),
    service('reviews', '10.96.0.20', { waypoint: waypointByHost('default', 'waypoint.default.svc.cluster.local') }),
    workload('reviews-1', '10.0.4.2', { serviceAccount: 'reviews', services: { 'default/reviews.default.svc.cluster.local': { ports: [] } } }),
    workload('guarded', '10.0.4.1', { serviceAccount: 'guarded', waypoint: waypointAt('10.0.9.1'), services: { 'default/guarded-svc.default.svc.cluster.local': { ports: [] } } }),
    service('guarded-svc', '10.96.0.21'),
    service('lost', '10.96.0.22', { waypoint: waypointByHost('default', 'missing.default.svc.cluster.local') }),
    service('far', '10.96.0.23', { waypoint: waypointAt('10.0.9.7', 'east') }),
    workload('east-wp', '10.0.9.7', { network: 'east', serviceAccount: 'waypoint' }),
    service('ext', '10.96.0.30', { loadBalancing: { mode: LoadBalancing_Mode.PASSTHROUGH } }),
    service('ext-host', undefined, { hostname: 'api.example.com', loadBalancing: { mode: LoadBalancing_Mode.PASSTHROUGH } }),
    service('empty', '10.96.0.40'),
    service('sick', '10.96.0.41'),
    workload('sick-1', '10.0.6.1', { status: WorkloadStatus.UNHEALTHY, services: { 'default/sick.default.svc.cluster.local': { ports: [] } } }),
    service('east-only', '10.96.0.50'),
    workload('east-1', '10.1.0.1', { network: 'east', networkGateway: waypointAt('192.0.2.1', 'east'), services: { 'default/east-only.default.svc.cluster.local': { ports: [] } } }),
    service('plain', '10.96.0.60'),
    workload('plain-1', '10.0.2.2', { tunnelProtocol: TunnelProtocol.NONE, services: { 'default/plain.default.svc.cluster.local': { ports: [] } } }),
    service('named', '10.96.0.61', { ports: [{ servicePort: 80, targetPort: 0 }] }),
    workload('named-1', '10.0.2.3', { services: { 'default/named.default.svc.cluster.local': { ports: [] } } }),
    service('hostless', '10.96.0.62'),
    workload('hostless-1', undefined, { hostname: 'vm.example.com', services: { 'default/hostless.default.svc.cluster.local': { ports: [] } } }),
    service('v6', undefined, { addresses: [{ network: '', address: ipBytes('2001:db8::10') }, { network: '', address: ipBytes('10.96.0.70') }] }),
    workload('dual-1', undefined, { addresses: [ipBytes('10.0.7.1'), ipBytes('2001:db8::71')], services: { 'default/v6.default.svc.cluster.local': { ports: [] } } }),
    // Dual-stack pods behind single-family services with VIPs of both families: the service's family wins.
    service('only4', undefined, { ipFamilies: IPFamilies.IPV4_ONLY, addresses: [{ network: '', address: ipBytes('2001:db8::14') }, { network: '', address: ipBytes('10.96.0.74') }] }),
    service('only6', undefined, { ipFamilies: IPFamilies.IPV6_ONLY, addresses: [{ network: '', address: ipBytes('2001:db8::16') }, { network: '', address: ipBytes('10.96.0.76') }] }),
    workload('dual-2', undefined, { addresses: [ipBytes('10.0.7.2'), ipBytes('2001:db8::72')], services: { 'default/only4.default.svc.cluster.local': { ports: [] }, 'default/only6.default.svc.cluster.local': { ports: [] } } }),
    // The network 'east', reached through the gateway ew-gw (by address or through its Service).
    workload('ew-gw', '192.0.2.1', { network: 'east', namespace: 'istio-system', serviceAccount: 'eastwest', services: { [EASTWEST_SVC]: { ports: [] } } }),
    service('eastwest', undefined, { namespace: 'istio-system', subjectAltNames: ['spiffe://cluster.local/ns/istio-system/sa/eastwest-alt'] }),
    service('east-nogw', '10.96.0.51'),
    workload('east-2', '10.1.0.2', { network: 'east', services: { 'default/east-nogw.default.svc.cluster.local': { ports: [] } } }),
    service('mixed', '10.96.0.52', { subjectAltNames: ['spiffe://cluster.local/ns/default/sa/mixed-alt'] }),
    workload('mixed-1', '10.0.8.1', { serviceAccount: 'mixed', services: { 'default/mixed.default.svc.cluster.local': { ports: [] } } }),
    workload('mixed-2', '10.1.0.3', { network: 'east', serviceAccount: 'mixed-east', networkGateway: waypointByHost('istio-system', 'eastwest.istio-system.svc.cluster.local'), services: { 'default/mixed.default.svc.cluster.local': { ports: [] } } }),
    service('lost-gw', '10.96.0.53'),
    workload('east-3', '10.1.0.4', { network: 'east', networkGateway: waypointAt('192.0.2.99', 'east'), services: { 'default/lost-gw.default.svc.cluster.local': { ports: [] } } }),
    service('far-gw', '10.96.0.54', { waypoint: waypointByHost('default', 'east-waypoint.default.svc.cluster.local') }),
    service('east-waypoint', undefined, { subjectAltNames: ['spiffe://cluster.local/ns/default/sa/east-wp-alt'] }),
    workload('east-wp-2', '10.1.9.1', { network: 'east', serviceAccount: 'waypoint', networkGateway: waypointAt('192.0.2.1', 'east'), services: { 'default/east-waypoint.default.svc.cluster.local': { ports: [] } } }),
    workload('guarded-far', '10.0.4.9', { waypoint: waypointAt('10.0.9.7', 'east') }),
    // Weighted waypoints: 'waypoint' (the Service above) and wp2 by address.
    workload('wp2', '10.0.9.2', { serviceAccount: 'waypoint-v2' }),
    service('canary', '10.96.0.80', { weightedWaypoints: [{ destination: waypointByHost('default', 'waypoint.default.svc.cluster.local'), weight: 90 }, { destination: waypointAt('10.0.9.2'), weight: 10 }] }),
    workload('canary-1', '10.0.8.5', { services: { 'default/canary.default.svc.cluster.local': { ports: [] } } }),
    service('canary-zero', '10.96.0.81', { weightedWaypoints: [{ destination: waypointByHost('default', 'waypoint.default.svc.cluster.local'), weight: 0 }, { destination: waypointAt('10.0.9.2'), weight: 5 }] }),
    service('canary-even', '10.96.0.82', { weightedWaypoints: [{ destination: waypointByHost('default', 'waypoint.default.svc.cluster.local'), weight: 0 }, { destination: waypointAt('10.0.9.2'), weight: 0 }] }),
    service('canary-lost', '10.96.0.83', { waypoint: waypointAt('10.0.9.2'), weightedWaypoints: [{ destination: waypointByHost('default', 'missing.default.svc.cluster.local'), weight: 1 }] }),
    service('same-san', '10.96.0.63', { subjectAltNames: ['spiffe://cluster.local/ns/default/sa/same'] }),
    workload('same-1', '10.0.7.2', { serviceAccount: 'same', services: { 'default/same-san.default.svc.cluster.local': { ports: [] } } }),
  );
}

export function workloadOf(state: MeshState, name: string, namespace = 'default'): WorkloadRecord {
  const w = state.findWorkloadByUid(`Kubernetes//Pod/${namespace}/${name}`);
  if (w === undefined) throw new Error(`fixture has no workload ${namespace}/${name}`);
  return w;
}

/** A NAMESPACE-scoped policy in 'default' with one match on principals (exact) and/or namespaces. */
export function policy(name: string, action: 'ALLOW' | 'DENY', match: { principals?: string[]; ports?: number[] }): Authorization {
  return authorization({
    name, namespace: 'default', scope: Scope.NAMESPACE, action: action === 'ALLOW' ? Action.ALLOW : Action.DENY,
    groups: [{ rules: [{ matches: [{
      principals: (match.principals ?? []).map((p) => ({ matchType: { case: 'exact' as const, value: p } })),
      destinationPorts: match.ports ?? [],
    }] }] }],
  });
}
