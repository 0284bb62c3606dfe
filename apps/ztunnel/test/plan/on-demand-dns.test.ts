// Hostname-only endpoints in the outbound plan: planOutbound stops at 'resolve' (pure, no lookup), planResolved
// finishes with the address the lookup gave: plain TCP for tunnel protocol NONE, HBONE otherwise.
import { describe, expect, it } from 'vitest';
import { TunnelProtocol, WorkloadStatus } from '@ambient/api/workload';
import { ipBytes, meshOf, service, workload } from '@ambient/mesh-state/testing';
import type { WorkloadRecord } from '@ambient/mesh-state';
import { planOutbound, planResolved, type OutboundPlan, type ResolvePlan } from '../../src/plan/outbound.js';
import { summary } from './summary.js';

const EXT = 'default/api.outside.test';
const OPTIONS = { hbonePort: 15008, illegalPorts: [15001, 15006, 15008, 15080] };

const state = meshOf(
  workload('sleep', '127.0.10.1', { serviceAccount: 'sleep' }),
  service('api', undefined, {
    hostname: 'api.outside.test', addresses: [{ network: '', address: ipBytes('127.96.0.50') }, { network: '', address: ipBytes('fd00::50') }],
    ports: [{ servicePort: 443, targetPort: 0 }, { servicePort: 80, targetPort: 0 }], subjectAltNames: ['spiffe://cluster.local/ns/default/sa/api'],
  }),
  workload('external', undefined, {
    uid: 'Kubernetes/networking.istio.io/ServiceEntry/default/external/api.outside.test', hostname: 'api.outside.test', tunnelProtocol: TunnelProtocol.NONE,
    services: { [EXT]: { ports: [{ servicePort: 443, targetPort: 8443 }, { servicePort: 80, targetPort: 80 }] } },
  }),
  service('tunnelled', '127.96.0.51', { hostname: 'vm.outside.test', ports: [{ servicePort: 80, targetPort: 8080 }] }),
  workload('vm', undefined, { uid: 'se/vm', hostname: 'vm.outside.test', serviceAccount: 'vm', services: { 'default/vm.outside.test': { ports: [] } } }),
  service('down', '127.96.0.52', { hostname: 'down.outside.test' }),
  workload('down-1', undefined, { uid: 'se/down', hostname: 'down.outside.test', status: WorkloadStatus.UNHEALTHY, services: { 'default/down.outside.test': { ports: [] } } }),
);
const SLEEP = state.findWorkloadByUid('Kubernetes//Pod/default/sleep') as WorkloadRecord;

function plan(to: { ip: string; port: number } | { hostname: string; port: number }): OutboundPlan {
  return planOutbound(state, SLEEP, to, OPTIONS);
}

describe('planOutbound to a hostname-only endpoint', () => {
  it.each([
    ['the IPv4 VIP', { ip: '127.96.0.50', port: 443 }, { hostname: 'api.outside.test', to: 'external', targetPort: 8443, preferIpv6: false }],
    ['the IPv6 VIP: an IPv6 answer preferred', { ip: 'fd00::50', port: 80 }, { targetPort: 80, preferIpv6: true }],
    ['the service hostname (SOCKS5 socks5h): through its IPv4 VIP', { hostname: 'api.outside.test', port: 443 }, { targetPort: 8443, preferIpv6: false }],
    ['an HBONE hostname workload, the service target port', { ip: '127.96.0.51', port: 80 }, { hostname: 'vm.outside.test', to: 'vm', targetPort: 8080 }],
  ])('stops at resolve when addressed at %s', (_, to, want) => {
    expect(summary(plan(to))).toMatchObject({ kind: 'resolve', service: expect.any(String), ...want });
  });

  it('leaves out an unhealthy hostname workload like any other', () => {
    expect(summary(plan({ ip: '127.96.0.52', port: 80 }))).toMatchObject({ kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM' });
  });

  it('refuses a port the service does not have before any lookup', () => {
    expect(summary(plan({ ip: '127.96.0.50', port: 8080 }))).toMatchObject({ kind: 'refuse', code: 'NO_HEALTHY_UPSTREAM', reason: `service ${EXT} has no port 8080` });
  });
});

describe('planResolved', () => {
  it('sends tunnel protocol NONE as plain TCP to the resolved address and target port', () => {
    const resolve = plan({ ip: '127.96.0.50', port: 443 }) as ResolvePlan;
    expect(summary(planResolved(resolve, '127.0.70.1', OPTIONS))).toEqual({ kind: 'plaintext', target: '127.0.70.1:8443', to: 'external' });
  });

  it('sends an HBONE hostname workload over HBONE to the resolved address, expecting its identity', () => {
    const resolve = plan({ ip: '127.96.0.51', port: 80 }) as ResolvePlan;
    expect(summary(planResolved(resolve, '::1', OPTIONS))).toMatchObject({
      kind: 'hbone', nextHop: '::1:15008', authority: '[::1]:8080', ids: ['spiffe://cluster.local/ns/default/sa/vm'], to: 'vm', service: 'tunnelled', waypoint: false,
    });
  });
});
