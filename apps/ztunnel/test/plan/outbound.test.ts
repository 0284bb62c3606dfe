// planOutbound, one row per rule of reference §1.3 (in its order), then load balancing and malformed destinations.
import { describe, expect, it } from 'vitest';
import { LoadBalancing_Mode, LoadBalancing_Scope } from '@ambient/api/workload';
import { meshOf, service, workload } from '@ambient/mesh-state/testing';
import { planOutbound, type OutboundDestination } from '../../src/plan/outbound.js';
import { world, workloadOf } from './mesh.js';
import { summary } from './summary.js';

const ILLEGAL = [15001, 15006, 15008, 15080];
const id = (sa: string, ns = 'default') => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
const ECHO_IDS = [id('echo'), id('echo-alt')];
const WAYPOINT_IDS = [id('waypoint'), id('waypoint-alt')];

interface Row {
  readonly name: string;
  readonly to: OutboundDestination;
  readonly from?: string;
  readonly random?: number;
  readonly want: Record<string, unknown>;
}

const rows: Row[] = [
  // 1. loopback destination on one of ztunnel's own ports
  { name: 'loopback on the HBONE port', to: { ip: '127.0.0.1', port: 15008 }, want: { kind: 'refuse', code: 'SELF_CALL' } },
  { name: 'anywhere in 127/8 on the outbound port', to: { ip: '127.0.10.1', port: 15001 }, want: { kind: 'refuse', code: 'SELF_CALL' } },
  { name: '::1 on the inbound port', to: { ip: '::1', port: 15006 }, want: { kind: 'refuse', code: 'SELF_CALL' } },
  { name: 'IPv4-mapped loopback on the SOCKS5 port', to: { ip: '::ffff:127.0.0.1', port: 15080 }, want: { kind: 'refuse', code: 'SELF_CALL' } },
  { name: 'loopback on an ordinary port passes through', to: { ip: '127.0.0.1', port: 8080 }, want: { kind: 'passthrough', target: '127.0.0.1:8080' } },
  // 3. service VIP with a waypoint
  {
    name: 'service VIP with a waypoint: HBONE to the waypoint, authority the original VIP:port',
    to: { ip: '10.96.0.20', port: 80 },
    want: { kind: 'hbone', nextHop: '10.0.9.1:15008', authority: '10.96.0.20:80', ids: WAYPOINT_IDS, to: 'wp', service: 'reviews', waypoint: true },
  },
  { name: 'the waypoint itself calling its service goes to an endpoint', from: 'wp', to: { ip: '10.96.0.20', port: 80 }, want: { kind: 'hbone', nextHop: '10.0.4.2:15008', authority: '10.0.4.2:8080', to: 'reviews-1', waypoint: false } },
  { name: 'service waypoint that cannot be resolved', to: { ip: '10.96.0.22', port: 80 }, want: { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason: 'waypoint default/missing.default.svc.cluster.local has no workload to send to' } },
  { name: 'service waypoint only on another network, without a gateway', to: { ip: '10.96.0.23', port: 80 }, want: { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason: 'waypoint east/10.0.9.7 is only on other networks, none with a network gateway' } },
  // 4. service VIP to an endpoint
  {
    name: 'service VIP: endpoint port from its own mapping, expected = identity + service SANs',
    to: { ip: '10.96.0.10', port: 80 }, random: 0,
    want: { kind: 'hbone', nextHop: '10.0.1.1:15008', authority: '10.0.1.1:9090', ids: ECHO_IDS, to: 'echo-1', service: 'echo', waypoint: false },
  },
  { name: 'service VIP: endpoint port from the service target port', to: { ip: '10.96.0.10', port: 80 }, random: 0.99, want: { kind: 'hbone', nextHop: '10.0.1.2:15008', authority: '10.0.1.2:8080', to: 'echo-2' } },
  { name: 'service VIP on a port the service does not have', to: { ip: '10.96.0.10', port: 81 }, want: { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason: `service default/echo.default.svc.cluster.local has no port 81` } },
  { name: 'service without endpoints', to: { ip: '10.96.0.40', port: 80 }, want: { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason: 'service default/empty.default.svc.cluster.local has no healthy endpoints' } },
  { name: 'service whose only endpoint is unhealthy', to: { ip: '10.96.0.41', port: 80 }, want: { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM' } },
  { name: 'service whose endpoints know no target port', to: { ip: '10.96.0.61', port: 80 }, want: { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason: 'service default/named.default.svc.cluster.local has no endpoint that serves port 80 here' } },
  { name: 'service whose endpoint has no address (hostname only): resolve it on demand', to: { ip: '10.96.0.62', port: 80 }, want: { kind: 'resolve', hostname: 'vm.example.com', to: 'hostless-1', service: 'hostless', targetPort: 8080, preferIpv6: false } },
  { name: 'PASSTHROUGH service: to the original destination', to: { ip: '10.96.0.30', port: 443 }, want: { kind: 'passthrough', target: '10.96.0.30:443' } },
  { name: 'service-addressed traffic ignores the endpoint workload waypoint', to: { ip: '10.96.0.21', port: 80 }, want: { kind: 'hbone', nextHop: '10.0.4.1:15008', authority: '10.0.4.1:8080', to: 'guarded', waypoint: false } },
  { name: 'service SANs equal to the identity appear once', to: { ip: '10.96.0.63', port: 80 }, want: { kind: 'hbone', ids: [id('same')] } },
  { name: 'service endpoint with tunnel NONE: plain TCP to podIP:targetPort', to: { ip: '10.96.0.60', port: 80 }, want: { kind: 'plaintext', target: '10.0.2.2:8080', to: 'plain-1' } },
  { name: 'IPv6 VIP: endpoint address of the same family, bracketed authority', to: { ip: '2001:DB8:0::10', port: 80 }, want: { kind: 'hbone', nextHop: '2001:db8::71:15008', authority: '[2001:db8::71]:8080', to: 'dual-1' } },
  { name: 'IPv4 VIP of the same service: the IPv4 endpoint address', to: { ip: '10.96.0.70', port: 80 }, want: { kind: 'hbone', nextHop: '10.0.7.1:15008', authority: '10.0.7.1:8080' } },
  { name: 'IPV4_ONLY service dialled at its IPv6 VIP: the endpoint\'s IPv4 address', to: { ip: '2001:db8::14', port: 80 }, want: { kind: 'hbone', nextHop: '10.0.7.2:15008', authority: '10.0.7.2:8080', to: 'dual-2' } },
  { name: 'IPV6_ONLY service dialled at its IPv4 VIP: the endpoint\'s IPv6 address', to: { ip: '10.96.0.76', port: 80 }, want: { kind: 'hbone', nextHop: '2001:db8::72:15008', authority: '[2001:db8::72]:8080', to: 'dual-2' } },
  // 5. endpoints on another network: double HBONE (test/plan/double-hbone.test.ts has the rest)
  { name: 'service with endpoints only on another network: through its gateway', to: { ip: '10.96.0.50', port: 80 }, want: { kind: 'double-hbone', gateway: '192.0.2.1:15008', authority: 'east-only.default.svc.cluster.local:80' } },
  { name: 'a workload IP of another network is not in this network: passthrough', to: { ip: '10.0.3.9', port: 80 }, want: { kind: 'passthrough', target: '10.0.3.9:80' } },
  // 6. workload waypoint for pod-addressed traffic
  { name: 'pod-addressed with a workload waypoint: to the waypoint, authority the pod', to: { ip: '10.0.4.1', port: 8080 }, want: { kind: 'hbone', nextHop: '10.0.9.1:15008', authority: '10.0.4.1:8080', ids: [id('waypoint')], to: 'wp', service: undefined, waypoint: true } },
  { name: 'the waypoint itself calling the pod goes direct', from: 'wp', to: { ip: '10.0.4.1', port: 8080 }, want: { kind: 'hbone', nextHop: '10.0.4.1:15008', authority: '10.0.4.1:8080', ids: [id('guarded')], waypoint: false } },
  // 7. direct
  { name: 'pod-addressed HBONE workload: podIP:15008, expected = its identity', to: { ip: '10.0.3.1', port: 8080 }, want: { kind: 'hbone', nextHop: '10.0.3.1:15008', authority: '10.0.3.1:8080', ids: [id('pod')], to: 'pod', service: undefined, waypoint: false } },
  { name: 'pod-addressed tunnel NONE workload: plain TCP', to: { ip: '10.0.2.1', port: 5432 }, want: { kind: 'plaintext', target: '10.0.2.1:5432', to: 'legacy' } },
  { name: 'IPv4-mapped destination is the IPv4 pod', to: { ip: '::ffff:10.0.3.1', port: 8080 }, want: { kind: 'hbone', nextHop: '10.0.3.1:15008' } },
  { name: 'unknown destination: passthrough', to: { ip: '93.184.216.34', port: 443 }, want: { kind: 'passthrough', target: '93.184.216.34:443' } },
  // hostname destinations (SOCKS5 with socks5h)
  { name: 'hostname of a service: endpoint like its VIP', to: { hostname: 'echo.default.svc.cluster.local', port: 80 }, random: 0, want: { kind: 'hbone', authority: '10.0.1.1:9090', service: 'echo' } },
  { name: 'hostname of a service with a waypoint: authority is its VIP', to: { hostname: 'reviews.default.svc.cluster.local', port: 80 }, want: { kind: 'hbone', nextHop: '10.0.9.1:15008', authority: '10.96.0.20:80', waypoint: true } },
  { name: 'hostname of a PASSTHROUGH service without VIP: to the name', to: { hostname: 'api.example.com', port: 443 }, want: { kind: 'passthrough', target: 'api.example.com:443' } },
  { name: 'hostname of a dual-stack service: the IPv4 VIP first', to: { hostname: 'v6.default.svc.cluster.local', port: 80 }, want: { kind: 'hbone', authority: '10.0.7.1:8080' } },
  { name: 'unknown hostname', to: { hostname: 'nowhere.example', port: 80 }, want: { kind: 'refuse', code: 'UNKNOWN_NAME', reason: 'no service in the mesh has hostname nowhere.example' } },
  { name: 'an IP literal given as a hostname is an IP', to: { hostname: '10.0.3.1', port: 8080 }, want: { kind: 'hbone', nextHop: '10.0.3.1:15008' } },
  // malformed destinations
  { name: 'port 0', to: { ip: '10.0.3.1', port: 0 }, want: { kind: 'refuse', code: 'UNSUPPORTED', reason: 'destination port 0 is not a port from 1 to 65535' } },
  { name: 'port 65536', to: { ip: '10.0.3.1', port: 65536 }, want: { kind: 'refuse', code: 'UNSUPPORTED' } },
  { name: 'fractional port', to: { ip: '10.0.3.1', port: 80.5 }, want: { kind: 'refuse', code: 'UNSUPPORTED' } },
  { name: 'NaN port', to: { hostname: 'echo.default.svc.cluster.local', port: Number.NaN }, want: { kind: 'refuse', code: 'UNSUPPORTED' } },
  { name: 'not an IP', to: { ip: '10.0.0.256', port: 80 }, want: { kind: 'refuse', code: 'UNSUPPORTED', reason: 'destination "10.0.0.256" is not an IP address' } },
  { name: 'empty IP', to: { ip: '', port: 80 }, want: { kind: 'refuse', code: 'UNSUPPORTED' } },
  { name: 'empty hostname', to: { hostname: '', port: 80 }, want: { kind: 'refuse', code: 'UNKNOWN_NAME' } },
];

describe('planOutbound', () => {
  const state = world();
  it.each(rows)('$name', ({ to, from, random, want }) => {
    const source = workloadOf(state, from ?? 'sleep');
    const plan = planOutbound(state, source, to, { hbonePort: 15008, illegalPorts: ILLEGAL, random: () => random ?? 0 });
    expect(summary(plan)).toMatchObject(want);
  });

  it('uses the configured HBONE port for direct hops and the waypoint port for waypoints', () => {
    const source = workloadOf(state, 'sleep');
    const options = { hbonePort: 25008, illegalPorts: ILLEGAL };
    expect(summary(planOutbound(state, source, { ip: '10.0.3.1', port: 80 }, options))).toMatchObject({ nextHop: '10.0.3.1:25008' });
    expect(summary(planOutbound(state, source, { ip: '10.96.0.20', port: 80 }, options))).toMatchObject({ nextHop: '10.0.9.1:15008' });
  });
});

describe('planOutbound after the store changes', () => {
  const plan = (state: ReturnType<typeof world>, random: number) =>
    planOutbound(state, workloadOf(state, 'sleep'), { ip: '10.96.0.10', port: 80 }, { hbonePort: 15008, illegalPorts: ILLEGAL, random: () => random });

  it('never picks an endpoint that was removed', () => {
    const state = world();
    expect(summary(plan(state, 0))).toMatchObject({ to: 'echo-1' });
    state.applyAddresses(new Map(), ['Kubernetes//Pod/default/echo-1']);
    expect(summary(plan(state, 0))).toMatchObject({ to: 'echo-2' });
  });

  it('follows a changed service target port', () => {
    const state = world();
    expect(summary(plan(state, 0.99))).toMatchObject({ authority: '10.0.1.2:8080' });
    state.applyAddresses(new Map([['default/echo.default.svc.cluster.local', service('echo', '10.96.0.10', { ports: [{ servicePort: 80, targetPort: 7070 }] })]]), []);
    expect(summary(plan(state, 0.99))).toMatchObject({ authority: '10.0.1.2:7070' });
  });
});

describe('load balancing', () => {
  const EP = (ns: string) => ({ [`${ns}/lb.${ns}.svc.cluster.local`]: { ports: [] } });
  const at = (region: string, zone: string) => ({ region, zone, subzone: '' });
  function lbMesh(mode: LoadBalancing_Mode, scopes: LoadBalancing_Scope[], capacities: [number, number, number] = [1, 1, 1]) {
    return meshOf(
      workload('client', '10.0.0.1', { locality: at('r1', 'z1') }),
      service('lb', '10.96.1.1', { loadBalancing: { mode, routingPreference: scopes } }),
      workload('same-zone', '10.0.1.1', { locality: at('r1', 'z1'), services: EP('default'), capacity: capacities[0] }),
      workload('same-region', '10.0.1.2', { locality: at('r1', 'z2'), services: EP('default'), capacity: capacities[1] }),
      workload('elsewhere', '10.0.1.3', { locality: at('r2', 'z1'), services: EP('default'), capacity: capacities[2] }),
    );
  }
  function picks(state: ReturnType<typeof lbMesh>, randoms: number[]): (string | undefined)[] {
    const source = workloadOf(state, 'client');
    return randoms.map((r) => {
      const plan = planOutbound(state, source, { ip: '10.96.1.1', port: 80 }, { hbonePort: 15008, illegalPorts: ILLEGAL, random: () => r });
      return plan.kind === 'hbone' ? plan.destination.name : plan.kind;
    });
  }
  const REGION_ZONE = [LoadBalancing_Scope.REGION, LoadBalancing_Scope.ZONE];

  it('FAILOVER keeps the endpoints matching most leading scopes', () => {
    expect(new Set(picks(lbMesh(LoadBalancing_Mode.FAILOVER, REGION_ZONE), [0, 0.5, 0.99]))).toEqual(new Set(['same-zone']));
  });

  it('FAILOVER falls back to the next rank when the best is gone', () => {
    const state = lbMesh(LoadBalancing_Mode.FAILOVER, REGION_ZONE);
    state.applyAddresses(new Map(), ['Kubernetes//Pod/default/same-zone']);
    expect(new Set(picks(state, [0, 0.5, 0.99]))).toEqual(new Set(['same-region']));
  });

  it('STRICT refuses rather than leave the preferred locality', () => {
    const state = lbMesh(LoadBalancing_Mode.STRICT, REGION_ZONE);
    expect(new Set(picks(state, [0, 0.99]))).toEqual(new Set(['same-zone']));
    state.applyAddresses(new Map(), ['Kubernetes//Pod/default/same-zone']);
    expect(picks(state, [0])).toEqual(['refuse']);
  });

  it('NODE, CLUSTER, SUBZONE and NETWORK scopes compare the source fields', () => {
    const state = meshOf(
      workload('client', '10.0.0.1', { node: 'n1', clusterId: 'c1', locality: { region: 'r', zone: 'z', subzone: 's1' } }),
      service('lb', '10.96.1.1', { loadBalancing: { mode: LoadBalancing_Mode.STRICT, routingPreference: [LoadBalancing_Scope.NETWORK, LoadBalancing_Scope.CLUSTER, LoadBalancing_Scope.NODE, LoadBalancing_Scope.SUBZONE] } }),
      workload('other-node', '10.0.1.1', { node: 'n2', clusterId: 'c1', services: EP('default'), locality: { region: 'r', zone: 'z', subzone: 's1' } }),
      workload('other-subzone', '10.0.1.2', { node: 'n1', clusterId: 'c1', services: EP('default'), locality: { region: 'r', zone: 'z', subzone: 's2' } }),
      workload('match', '10.0.1.3', { node: 'n1', clusterId: 'c1', services: EP('default'), locality: { region: 'r', zone: 'z', subzone: 's1' } }),
    );
    expect(new Set(picks(state as ReturnType<typeof lbMesh>, [0, 0.5, 0.99]))).toEqual(new Set(['match']));
  });

  it('without STRICT or FAILOVER the routing preference is ignored', () => {
    expect(picks(lbMesh(LoadBalancing_Mode.UNSPECIFIED_MODE, REGION_ZONE), [0, 0.5, 0.9])).toEqual(['same-zone', 'same-region', 'elsewhere']);
  });

  it('picks at random weighted by capacity; capacity 0 is never picked unless all are 0', () => {
    // Weights 1, 3, 0 over [0, 4): [0,1) → same-zone, [1,4) → same-region.
    const weighted = lbMesh(LoadBalancing_Mode.UNSPECIFIED_MODE, [], [1, 3, 0]);
    expect(picks(weighted, [0, 0.2, 0.25, 0.5, 0.999999])).toEqual(['same-zone', 'same-zone', 'same-region', 'same-region', 'same-region']);
    expect(picks(lbMesh(LoadBalancing_Mode.UNSPECIFIED_MODE, [], [0, 0, 0]), [0, 0.5, 0.99])).toEqual(['same-zone', 'same-region', 'elsewhere']);
  });

  it('spreads by weight over many connections with the default random source', () => {
    const state = lbMesh(LoadBalancing_Mode.UNSPECIFIED_MODE, [], [1, 1, 0]);
    const source = workloadOf(state, 'client');
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const plan = planOutbound(state, source, { ip: '10.96.1.1', port: 80 }, { hbonePort: 15008, illegalPorts: ILLEGAL });
      if (plan.kind === 'hbone') seen.add(plan.destination.name);
    }
    expect(seen).toEqual(new Set(['same-zone', 'same-region']));
  });
});
