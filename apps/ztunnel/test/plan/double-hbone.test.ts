// planOutbound across networks (reference §1.3 steps 3 and 5, §2.5): endpoints and waypoints on another network are
// reached by double HBONE through that network's gateway, with the service hostname as authority on both CONNECTs.
import { describe, expect, it } from 'vitest';
import { LoadBalancing_Mode, LoadBalancing_Scope } from '@ambient/api/workload';
import { ipBytes, meshOf, service, waypointAt, workload } from '@ambient/mesh-state/testing';
import { planOutbound, type OutboundDestination } from '../../src/plan/outbound.js';
import { world, workloadOf } from './mesh.js';
import { summary } from './summary.js';

const OPTIONS = { hbonePort: 15008, illegalPorts: [15001, 15006, 15008, 15080] };
const id = (sa: string, ns = 'default') => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
const EASTWEST = id('eastwest', 'istio-system');

const rows: { name: string; to: OutboundDestination; random?: number; want: Record<string, unknown> }[] = [
  {
    name: 'endpoints only on another network: outer to the gateway address, inner to the endpoint identity',
    to: { ip: '10.96.0.50', port: 80 },
    want: {
      kind: 'double-hbone', gateway: '192.0.2.1:15008', gatewayIds: [EASTWEST], authority: 'east-only.default.svc.cluster.local:80',
      ids: [id('default')], network: '', to: 'ew-gw', service: 'east-only', waypoint: false,
    },
  },
  { name: 'the same service by hostname (SOCKS5h)', to: { hostname: 'east-only.default.svc.cluster.local', port: 80 }, want: { kind: 'double-hbone', authority: 'east-only.default.svc.cluster.local:80' } },
  { name: 'remote endpoints without a gateway are out of reach', to: { ip: '10.96.0.51', port: 80 }, want: { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason: 'service default/east-nogw.default.svc.cluster.local has endpoints only on other networks, none with a network gateway' } },
  { name: 'local and remote endpoints: the local one is plain HBONE', to: { ip: '10.96.0.52', port: 80 }, random: 0, want: { kind: 'hbone', nextHop: '10.0.8.1:15008', to: 'mixed-1' } },
  {
    name: 'local and remote endpoints: the remote one through a gateway named by hostname (its Service SANs count)',
    to: { ip: '10.96.0.52', port: 80 }, random: 0.99,
    want: { kind: 'double-hbone', gateway: '192.0.2.1:15008', gatewayIds: [EASTWEST, id('eastwest-alt', 'istio-system')], ids: [id('mixed-east'), id('mixed-alt')], authority: 'mixed.default.svc.cluster.local:80' },
  },
  { name: 'a gateway that is no known workload or service', to: { ip: '10.96.0.53', port: 80 }, want: { kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason: 'network gateway east/192.0.2.99 of default/east-3 on network "east" is not a known workload or service' } },
  {
    name: 'service waypoint on another network: double HBONE to it, service hostname as authority',
    to: { ip: '10.96.0.54', port: 80 },
    want: { kind: 'double-hbone', gateway: '192.0.2.1:15008', gatewayIds: [EASTWEST], ids: [id('waypoint'), id('east-wp-alt')], authority: 'far-gw.default.svc.cluster.local:80', service: 'far-gw', waypoint: true },
  },
  { name: 'pod-addressed with a workload waypoint on another network', to: { ip: '10.0.4.9', port: 8080 }, want: { kind: 'refuse', code: 'UNSUPPORTED', reason: 'waypoint east/10.0.9.7 is on another network; only service-addressed traffic crosses networks' } },
];

describe('double HBONE plans', () => {
  const state = world();
  it.each(rows)('$name', ({ to, random, want }) => {
    const plan = planOutbound(state, workloadOf(state, 'sleep'), to, { ...OPTIONS, random: () => random ?? 0 });
    expect(summary(plan)).toMatchObject(want);
  });
});

describe('double HBONE from a named network', () => {
  const EP = { 'default/api.default.svc.cluster.local': { ports: [] } };
  const mesh = (mode: LoadBalancing_Mode) =>
    meshOf(
      workload('client', '10.0.0.1', { network: 'west' }),
      workload('gw', '203.0.113.1', { network: 'east', namespace: 'istio-system', serviceAccount: 'eastwest' }),
      service('api', undefined, { addresses: [{ network: 'west', address: ipBytes('10.96.5.1') }], loadBalancing: { mode, routingPreference: [LoadBalancing_Scope.NETWORK] } }),
      workload('api-west', '10.0.5.1', { network: 'west', services: EP }),
      workload('api-east', '10.2.5.1', { network: 'east', serviceAccount: 'api', networkGateway: waypointAt('203.0.113.1', 'east'), services: EP }),
    );
  const plan = (state: ReturnType<typeof mesh>, random: number) =>
    summary(planOutbound(state, workloadOf(state, 'client'), { ip: '10.96.5.1', port: 80 }, { ...OPTIONS, random: () => random }));

  it('sends its own network as x-forwarded-network', () => {
    expect(plan(mesh(LoadBalancing_Mode.UNSPECIFIED_MODE), 0.99)).toMatchObject({ kind: 'double-hbone', network: 'west', gateway: '203.0.113.1:15008', ids: [id('api')] });
  });

  it('FAILOVER on NETWORK keeps traffic at home while a local endpoint exists, then crosses', () => {
    const state = mesh(LoadBalancing_Mode.FAILOVER);
    expect([plan(state, 0), plan(state, 0.99)].map((p) => p['kind'])).toEqual(['hbone', 'hbone']);
    state.applyAddresses(new Map(), ['Kubernetes//Pod/default/api-west']);
    expect(plan(state, 0)).toMatchObject({ kind: 'double-hbone', to: 'gw' });
  });

  it('STRICT on NETWORK never crosses', () => {
    const state = mesh(LoadBalancing_Mode.STRICT);
    state.applyAddresses(new Map(), ['Kubernetes//Pod/default/api-west']);
    expect(plan(state, 0)).toMatchObject({ kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM' });
  });
});
