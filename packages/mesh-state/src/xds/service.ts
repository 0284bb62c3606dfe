// istio.workload.Service to a ServiceRecord (ztunnel `TryFrom<&XdsService> for Service`): VIPs with optional CIDR
// prefix, ports, SANs, waypoint, weighted waypoints, load balancing and visibility; unknown enums and an UNSPECIFIED routing
// scope are rejected.
import { IPFamilies, LoadBalancing_HealthPolicy, LoadBalancing_Mode, LoadBalancing_Scope, Service_Visibility, type Service } from '@ambient/api/workload';
import type { LocalityScope, LoadBalancingMode, NetworkIp, ServiceIpFamilies, ServiceRecord, ServiceVisibility, WeightedWaypoint } from '../model.js';
import { enumName, gatewayRef, networkIp, portMappings, type Problem } from './fields.js';

const MODES: Record<number, LoadBalancingMode> = {
  [LoadBalancing_Mode.UNSPECIFIED_MODE]: 'UNSPECIFIED', [LoadBalancing_Mode.STRICT]: 'STRICT',
  [LoadBalancing_Mode.FAILOVER]: 'FAILOVER', [LoadBalancing_Mode.PASSTHROUGH]: 'PASSTHROUGH',
};
const SCOPES: Record<number, LocalityScope> = {
  [LoadBalancing_Scope.REGION]: 'REGION', [LoadBalancing_Scope.ZONE]: 'ZONE', [LoadBalancing_Scope.SUBZONE]: 'SUBZONE',
  [LoadBalancing_Scope.NODE]: 'NODE', [LoadBalancing_Scope.CLUSTER]: 'CLUSTER', [LoadBalancing_Scope.NETWORK]: 'NETWORK',
};
const HEALTH: Record<number, 'ONLY_HEALTHY' | 'ALLOW_ALL'> = {
  [LoadBalancing_HealthPolicy.ONLY_HEALTHY]: 'ONLY_HEALTHY', [LoadBalancing_HealthPolicy.ALLOW_ALL]: 'ALLOW_ALL',
};
const VISIBILITY: Record<number, ServiceVisibility> = { [Service_Visibility.PUBLIC]: 'PUBLIC', [Service_Visibility.NAMESPACE]: 'NAMESPACE' };
const IP_FAMILIES: Record<number, ServiceIpFamilies> = {
  [IPFamilies.AUTOMATIC]: 'AUTOMATIC', [IPFamilies.IPV4_ONLY]: 'IPV4_ONLY', [IPFamilies.IPV6_ONLY]: 'IPV6_ONLY', [IPFamilies.DUAL]: 'DUAL',
};

export function serviceRecord(s: Service, problem: Problem): ServiceRecord {
  if (s.namespace === '') problem('service.namespace', 'must not be empty');
  if (s.hostname === '') problem('service.hostname', 'must not be empty');
  const vips: (NetworkIp & { prefixLength?: number })[] = [];
  s.addresses.forEach((a, i) => {
    const vip = networkIp(a, `service.addresses[${i}]`, problem);
    if (vip === undefined) return;
    if (a.length === undefined) return void vips.push(Object.freeze(vip));
    const max = vip.ip.includes(':') ? 128 : 32;
    if (a.length > max) problem(`service.addresses[${i}].length`, `prefix /${a.length} is longer than ${max} bits`);
    vips.push(Object.freeze({ ...vip, prefixLength: a.length }));
  });
  const ipFamilies = enumName(s.ipFamilies, IP_FAMILIES, 'service.ipFamilies', problem) as ServiceIpFamilies;
  const waypoint = gatewayRef(s.waypoint, 'service.waypoint', problem);
  const weightedWaypoints = s.weightedWaypoints.map((w, i): WeightedWaypoint | undefined => {
    const path = `service.weightedWaypoints[${i}]`;
    if (w.destination === undefined) return void problem(`${path}.destination`, 'must be set (the waypoint to send to)');
    const ref = gatewayRef(w.destination, `${path}.destination`, problem);
    return ref === undefined ? undefined : Object.freeze({ waypoint: ref, weight: w.weight });
  });
  const lb = s.loadBalancing;
  const loadBalancing =
    lb === undefined
      ? undefined
      : Object.freeze({
          mode: enumName(lb.mode, MODES, 'service.loadBalancing.mode', problem) as LoadBalancingMode,
          routingPreference: Object.freeze(
            lb.routingPreference.map((r, i) => enumName(r, SCOPES, `service.loadBalancing.routingPreference[${i}]`, problem) as LocalityScope),
          ),
          healthPolicy: enumName(lb.healthPolicy, HEALTH, 'service.loadBalancing.healthPolicy', problem) as 'ONLY_HEALTHY' | 'ALLOW_ALL',
        });
  return Object.freeze({
    key: `${s.namespace}/${s.hostname}`,
    name: s.name,
    namespace: s.namespace,
    hostname: s.hostname,
    vips: Object.freeze(vips),
    ports: Object.freeze(portMappings(s.ports, 'service.ports', problem)),
    subjectAltNames: Object.freeze([...s.subjectAltNames]),
    ...(waypoint === undefined ? {} : { waypoint }),
    ...(weightedWaypoints.length === 0 ? {} : { weightedWaypoints: Object.freeze(weightedWaypoints.filter((w) => w !== undefined)) }),
    ...(loadBalancing === undefined ? {} : { loadBalancing }),
    canonical: s.canonical,
    visibility: enumName(s.visibility, VISIBILITY, 'service.visibility', problem) as ServiceVisibility,
    ipFamilies,
  });
}
