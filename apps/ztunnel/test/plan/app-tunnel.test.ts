// planInbound for workloads with an application_tunnel (reference §1.4 steps 4, 7 and 8): the tunnel port, loopback
// for PROXY, the address a PROXY header names, the relaxed target check, and what plaintext inbound ignores.
import { describe, expect, it } from 'vitest';
import { ApplicationTunnel_Protocol } from '@ambient/api/workload';
import { ipBytes, meshOf, service, workload } from '@ambient/mesh-state/testing';
import { planInbound, type InboundPlan, type InboundRequest } from '../../src/plan/inbound.js';
import { SLEEP_ID } from '../support/identities.js';
import { policy } from './mesh.js';

const PROXY = ApplicationTunnel_Protocol.PROXY;
const SVC = (name: string) => ({ [`default/${name}.default.svc.cluster.local`]: { ports: [{ servicePort: 80, targetPort: 8080 }] } });

function tunnelMesh() {
  return meshOf(
    workload('wp-proxy', '10.0.9.5', { applicationTunnel: { protocol: PROXY, port: 15088 }, services: { ...SVC('tunnelled'), ...SVC('novip'), ...SVC('v6only') } }),
    workload('app-none', '10.0.9.6', { applicationTunnel: { protocol: ApplicationTunnel_Protocol.NONE, port: 0 } }),
    workload('v6-proxy', '2001:db8::95', { applicationTunnel: { protocol: PROXY, port: 15088 } }),
    workload('loop-proxy', '127.8.50.1', { applicationTunnel: { protocol: PROXY, port: 0 } }),
    service('tunnelled', undefined, { addresses: [{ network: '', address: ipBytes('2001:db8::7') }, { network: 'other', address: ipBytes('10.200.0.1') }, { network: '', address: ipBytes('10.96.7.1') }] }),
    service('v6only', undefined, { addresses: [{ network: 'other', address: ipBytes('10.200.0.2') }, { network: '', address: ipBytes('2001:db8::8') }] }),
    service('novip', undefined),
  );
}

const request = (over: Partial<InboundRequest>): InboundRequest => ({
  dialledIp: '10.0.9.5', authority: { host: '10.0.9.5', port: 8080 }, peerIdentity: SLEEP_ID, srcIp: '10.0.0.1', network: '', hbone: true, ...over,
});

function summary(plan: InboundPlan): Record<string, unknown> {
  if (plan.kind === 'refuse') return { kind: 'refuse', status: plan.status, reason: plan.reason };
  const t = plan.appTunnel;
  return { kind: 'allow', target: `${plan.target.host}:${plan.target.port}`, protocol: t?.protocol, header: t && `${t.tunnelTarget.host}:${t.tunnelTarget.port}` };
}

const rows: { name: string; req: Partial<InboundRequest>; want: Record<string, unknown> }[] = [
  { name: 'PROXY on its own port: to loopback, the header names the target', req: {}, want: { kind: 'allow', target: '127.0.0.1:15088', protocol: 'PROXY', header: '10.0.9.5:8080' } },
  { name: 'a target other than the dialled address is accepted (the app decides)', req: { authority: { host: '10.96.0.20', port: 80 } }, want: { kind: 'allow', target: '127.0.0.1:15088', header: '10.96.0.20:80' } },
  { name: 'hostname target: a VIP of this network, IPv4 first, with the service port', req: { authority: { host: 'tunnelled.default.svc.cluster.local', port: 80 } }, want: { kind: 'allow', target: '127.0.0.1:15088', header: '10.96.7.1:80' } },
  { name: 'hostname target: an IPv6 VIP of this network before one elsewhere', req: { authority: { host: 'v6only.default.svc.cluster.local', port: 80 } }, want: { header: '2001:db8::8:80' } },
  { name: 'hostname target of a service without any VIP', req: { authority: { host: 'novip.default.svc.cluster.local', port: 80 } }, want: { kind: 'refuse', status: 503, reason: 'service default/novip.default.svc.cluster.local has no address to name in a PROXY header' } },
  { name: 'IPv6 workload: PROXY to ::1', req: { dialledIp: '2001:db8::95', authority: { host: '2001:db8::95', port: 8080 } }, want: { target: '::1:15088', header: '2001:db8::95:8080' } },
  { name: 'loopback workload (loopback capture), port 0: its own address and the target port', req: { dialledIp: '127.8.50.1', authority: { host: '127.8.50.1', port: 9000 }, srcIp: '127.8.10.1' }, want: { target: '127.8.50.1:9000', protocol: 'PROXY' } },
  { name: 'NONE, port 0: the dialled address and target port, no header, target check relaxed', req: { dialledIp: '10.0.9.6', authority: { host: '10.96.0.20', port: 8080 } }, want: { kind: 'allow', target: '10.0.9.6:8080', protocol: 'NONE' } },
  { name: 'own ports are still refused before the tunnel port applies', req: { authority: { host: '10.0.9.5', port: 15008 } }, want: { kind: 'refuse', status: 503 } },
  { name: 'plaintext inbound ignores the tunnel', req: { hbone: false }, want: { kind: 'allow', target: '10.0.9.5:8080', protocol: undefined } },
  { name: 'plaintext inbound keeps the target check', req: { hbone: false, authority: { host: '10.96.0.20', port: 80 } }, want: { kind: 'refuse', status: 400 } },
];

describe('application tunnel', () => {
  const state = tunnelMesh();
  it.each(rows)('$name', ({ req, want }) => {
    expect(summary(planInbound(state, request(req), { illegalPorts: [15001, 15006, 15008, 15080] }))).toMatchObject(want);
  });

  it('policy sees the port actually connected to, as ztunnel evaluates it', () => {
    const denied = meshOf(workload('wp', '10.0.9.5', { applicationTunnel: { protocol: PROXY, port: 15089 } }));
    denied.applyAuthorizations(new Map([['default/deny-tunnel-port', policy('deny-tunnel-port', 'DENY', { ports: [15089] })]]), []);
    expect(summary(planInbound(denied, request({}), { illegalPorts: [] }))).toMatchObject({ kind: 'refuse', status: 401, reason: 'explicitly denied by: default/deny-tunnel-port' });
    expect(summary(planInbound(denied, request({ hbone: false }), { illegalPorts: [] }))).toMatchObject({ kind: 'allow' });
  });
});
