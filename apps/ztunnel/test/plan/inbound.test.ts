// planInbound and recheckInbound, one row per rule of reference §1.4 steps 3–6, with malformed requests.
import { describe, expect, it } from 'vitest';
import { planInbound, recheckInbound, parseIdentity, type InboundPlan, type InboundRequest } from '../../src/plan/inbound.js';
import { SLEEP_ID } from '../support/identities.js';
import { policy, world } from './mesh.js';

const OPTIONS = { illegalPorts: [15001, 15006, 15008, 15080] };
const EVIL = 'spiffe://cluster.local/ns/bad/sa/evil';

function stateWithPolicies() {
  const state = world();
  const rejections = state.applyAuthorizations(
    new Map([
      ['default/deny-evil', policy('deny-evil', 'DENY', { principals: ['cluster.local/ns/bad/sa/evil'] })],
      ['default/deny-port', policy('deny-port', 'DENY', { ports: [7777] })],
    ]),
    [],
  );
  expect(rejections).toEqual([]);
  return state;
}

const request = (over: Partial<InboundRequest>): InboundRequest => ({
  dialledIp: '10.0.1.1', authority: { host: '10.0.1.1', port: 9090 }, peerIdentity: SLEEP_ID, srcIp: '10.0.0.1', network: '', ...over,
});

function summary(plan: InboundPlan): Record<string, unknown> {
  if (plan.kind === 'allow') return { kind: 'allow', workload: plan.workload.name, target: `${plan.target.host}:${plan.target.port}`, allowed: plan.decision.allowed };
  return { kind: 'refuse', status: plan.status, reason: plan.reason, allowed: plan.decision?.allowed };
}

const rows: { name: string; req: Partial<InboundRequest>; want: Record<string, unknown> }[] = [
  { name: 'CONNECT to the dialled local workload, allowed', req: {}, want: { kind: 'allow', workload: 'echo-1', target: '10.0.1.1:9090', allowed: true } },
  { name: 'plaintext inbound (no peer identity), no ALLOW policy', req: { peerIdentity: undefined }, want: { kind: 'allow', target: '10.0.1.1:9090' } },
  // step 4: target must be the dialled address
  { name: 'target IP other than the dialled IP', req: { authority: { host: '10.0.1.2', port: 9090 } }, want: { kind: 'refuse', status: 400, reason: 'target 10.0.1.2:9090 is not the dialled address 10.0.1.1' } },
  { name: 'target IPv6 other than the dialled IP', req: { authority: { host: '2001:db8::1', port: 80 } }, want: { kind: 'refuse', status: 400, reason: 'target [2001:db8::1]:80 is not the dialled address 10.0.1.1' } },
  { name: 'target a service VIP whose waypoint is the local workload', req: { dialledIp: '10.0.9.1', authority: { host: '10.96.0.20', port: 80 } }, want: { kind: 'allow', workload: 'wp', target: '10.0.9.1:80' } },
  { name: 'target a workload whose waypoint is the local workload', req: { dialledIp: '10.0.9.1', authority: { host: '10.0.4.1', port: 8080 } }, want: { kind: 'allow', workload: 'wp' } },
  { name: 'target a service VIP whose waypoint is someone else', req: { authority: { host: '10.96.0.20', port: 80 } }, want: { kind: 'refuse', status: 400 } },
  { name: 'IPv4-mapped dialled and target addresses are the IPv4 ones', req: { dialledIp: '::ffff:10.0.1.1', srcIp: '::ffff:10.0.0.1' }, want: { kind: 'allow', target: '10.0.1.1:9090' } },
  // step 5 (and the local workload): something to connect to
  { name: 'no local workload at the dialled address', req: { dialledIp: '10.0.8.8', authority: { host: '10.0.8.8', port: 80 } }, want: { kind: 'refuse', status: 503, reason: 'no local workload at 10.0.8.8 on network ""' } },
  { name: 'the dialled address on another network', req: { network: 'east' }, want: { kind: 'refuse', status: 503 } },
  { name: 'target port is one of ztunnel\'s own', req: { authority: { host: '10.0.1.1', port: 15008 } }, want: { kind: 'refuse', status: 503, reason: "target port 15008 is one of ztunnel's own ports" } },
  { name: 'hostname target of a service the workload serves: its target port', req: { authority: { host: 'echo.default.svc.cluster.local', port: 80 } }, want: { kind: 'allow', target: '10.0.1.1:9090' } },
  { name: 'hostname target: the service target port when the workload has no mapping', req: { dialledIp: '10.0.1.2', authority: { host: 'echo.default.svc.cluster.local', port: 80 } }, want: { kind: 'allow', target: '10.0.1.2:8080' } },
  { name: 'hostname target unknown', req: { authority: { host: 'nowhere.example', port: 80 } }, want: { kind: 'refuse', status: 503, reason: 'no service has hostname nowhere.example' } },
  { name: 'hostname target the workload does not serve', req: { authority: { host: 'reviews.default.svc.cluster.local', port: 80 } }, want: { kind: 'refuse', status: 400 } },
  { name: 'hostname target on a port the service lacks', req: { dialledIp: '10.0.1.2', authority: { host: 'echo.default.svc.cluster.local', port: 81 } }, want: { kind: 'refuse', status: 503 } },
  { name: 'hostname target with no local workload', req: { dialledIp: '10.0.8.8', authority: { host: 'echo.default.svc.cluster.local', port: 80 } }, want: { kind: 'refuse', status: 503 } },
  // step 6: L4 authorization
  { name: 'a DENY policy on the peer principal', req: { peerIdentity: EVIL }, want: { kind: 'refuse', status: 401, reason: 'explicitly denied by: default/deny-evil', allowed: false } },
  { name: 'a DENY policy on the target port applies to plaintext too', req: { peerIdentity: undefined, authority: { host: '10.0.1.1', port: 7777 } }, want: { kind: 'refuse', status: 401, allowed: false } },
  // malformed requests
  { name: 'dialled address not an IP', req: { dialledIp: 'pod.local' }, want: { kind: 'refuse', status: 400, reason: 'dialled address "pod.local" is not an IP address' } },
  { name: 'peer address not an IP', req: { srcIp: '10.0.0' }, want: { kind: 'refuse', status: 400, reason: 'peer address "10.0.0" is not an IP address' } },
  { name: 'target port 0', req: { authority: { host: '10.0.1.1', port: 0 } }, want: { kind: 'refuse', status: 400 } },
  { name: 'target port 65536', req: { authority: { host: '10.0.1.1', port: 65536 } }, want: { kind: 'refuse', status: 400, reason: 'target port 65536 is not a port from 1 to 65535' } },
  { name: 'empty target host', req: { authority: { host: '', port: 80 } }, want: { kind: 'refuse', status: 400, reason: 'target host is empty' } },
  { name: 'peer identity that is not a workload SPIFFE ID', req: { peerIdentity: 'spiffe://cluster.local/ns/default' }, want: { kind: 'refuse', status: 401 } },
  { name: 'peer identity with another scheme', req: { peerIdentity: 'https://cluster.local/ns/default/sa/sleep' }, want: { kind: 'refuse', status: 401 } },
];

describe('planInbound', () => {
  const state = stateWithPolicies();
  it.each(rows)('$name', ({ req, want }) => {
    expect(summary(planInbound(state, request(req), OPTIONS))).toMatchObject(want);
  });

  it('an ALLOW policy admits only its principals; plaintext has none', () => {
    const s = world();
    s.applyAuthorizations(new Map([['default/allow-sleep', policy('allow-sleep', 'ALLOW', { principals: ['cluster.local/ns/default/sa/sleep'] })]]), []);
    expect(planInbound(s, request({}), OPTIONS).kind).toBe('allow');
    expect(summary(planInbound(s, request({ peerIdentity: 'spiffe://cluster.local/ns/default/sa/other' }), OPTIONS))).toMatchObject({ status: 401, reason: 'allow policies exist, but none allowed' });
    expect(summary(planInbound(s, request({ peerIdentity: undefined }), OPTIONS))).toMatchObject({ status: 401 });
  });
});

describe('recheckInbound', () => {
  it('follows policy changes and the removal of the workload', () => {
    const state = world();
    const req = request({ peerIdentity: EVIL });
    expect(recheckInbound(state, req, OPTIONS).allowed).toBe(true);
    state.applyAuthorizations(new Map([['default/deny-evil', policy('deny-evil', 'DENY', { principals: ['cluster.local/ns/bad/sa/evil'] })]]), []);
    expect(recheckInbound(state, req, OPTIONS)).toMatchObject({ allowed: false, decidedBy: { policy: 'default/deny-evil' } });
    state.applyAuthorizations(new Map(), ['default/deny-evil']);
    expect(recheckInbound(state, req, OPTIONS).allowed).toBe(true);
    state.applyAddresses(new Map(), ['Kubernetes//Pod/default/echo-1']);
    expect(recheckInbound(state, req, OPTIONS)).toEqual({ allowed: false, reason: 'no local workload at 10.0.1.1 on network ""', dryRun: [] });
  });
});

describe('parseIdentity', () => {
  it.each([
    ['spiffe://cluster.local/ns/default/sa/sleep', { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'sleep' }],
    ['spiffe://td/ns/a/sa/b/extra', undefined],
    ['spiffe:///ns/a/sa/b', undefined],
    ['spiffe://td/ns//sa/b', undefined],
    ['', undefined],
  ])('%s', (uri, want) => {
    expect(parseIdentity(uri)).toEqual(want);
  });
});
