// The store's indexes: every lookup finds what a batch inserted, and nothing of what a later batch removed or moved.
import { describe, expect, it } from 'vitest';
import { IPFamilies, LoadBalancing_HealthPolicy, NetworkMode, Service_Visibility, TunnelProtocol, WorkloadStatus } from '@ambient/api/workload';
import { MeshState } from '../src/index.js';
import { batch, ipBytes, meshOf, service, workload } from '../src/testing/index.js';

const EP = { 'default/echo.default.svc.cluster.local': { ports: [{ servicePort: 80, targetPort: 9090 }] } };

function stateWith(...addresses: Parameters<typeof batch>): MeshState {
  const state = new MeshState();
  expect(state.applyAddresses(batch(...addresses), [])).toEqual([]);
  return state;
}

describe('workload defaults (ztunnel TryFrom<XdsWorkload>)', () => {
  it('fills trust domain, service account, cluster, capacity and identity', () => {
    const w = stateWith(workload('a', '10.0.0.1')).findWorkloadByUid('Kubernetes//Pod/default/a');
    expect(w).toMatchObject({
      trustDomain: 'cluster.local', serviceAccount: 'default', clusterId: 'Kubernetes', capacity: 1, healthy: true,
      identity: 'spiffe://cluster.local/ns/default/sa/default', tunnelProtocol: 'HBONE', networkMode: 'STANDARD',
      workloadType: 'deployment', addresses: ['10.0.0.1'],
    });
    expect(Object.isFrozen(w)).toBe(true);
  });

  it('keeps what the control plane set', () => {
    const w = stateWith(
      workload('a', '10.0.0.1', { trustDomain: 'td.example', serviceAccount: 'sa1', clusterId: 'c2', capacity: 0, tunnelProtocol: TunnelProtocol.NONE, status: WorkloadStatus.UNHEALTHY, locality: { region: 'r', zone: 'z', subzone: 's' } }),
    ).findWorkloadByUid('Kubernetes//Pod/default/a');
    expect(w).toMatchObject({
      identity: 'spiffe://td.example/ns/default/sa/sa1', clusterId: 'c2', capacity: 0, tunnelProtocol: 'NONE', healthy: false,
      locality: { region: 'r', zone: 'z', subzone: 's' },
    });
  });

  it('formats IPv6 addresses canonically', () => {
    const state = stateWith(workload('v6', '2001:db8:0:0:0:0:0:1'));
    expect(state.findWorkloadByUid('Kubernetes//Pod/default/v6')?.addresses).toEqual(['2001:db8::1']);
    expect(state.findWorkloadByAddress({ network: '', ip: '2001:db8::1' })?.name).toBe('v6');
  });
});

describe('lookups', () => {
  it('finds workloads by network/IP, with the network part of the key', () => {
    const state = stateWith(workload('a', '10.0.0.1'), workload('b', '10.0.0.1', { network: 'east' }));
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.0.1' })?.name).toBe('a');
    expect(state.findWorkloadByAddress({ network: 'east', ip: '10.0.0.1' })?.name).toBe('b');
    expect(state.findWorkloadByAddress({ network: 'west', ip: '10.0.0.1' })).toBeUndefined();
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const state = stateWith(workload('a', '10.0.0.1'), service('echo', '10.96.0.1'));
    expect(state.findWorkloadByAddress({ network: '', ip: '::ffff:10.0.0.1' })?.name).toBe('a');
    expect(state.findServiceByVip({ network: '', ip: '::ffff:10.96.0.1' })?.name).toBe('echo');
  });

  it('prefers a Pod, then an HBONE workload, when several share an address', () => {
    const entry = workload('entry', '10.0.0.9', { uid: 'Kubernetes/networking.istio.io/WorkloadEntry/default/entry' });
    const plainPod = workload('plain', '10.0.0.9', { tunnelProtocol: TunnelProtocol.NONE });
    const meshPod = workload('mesh', '10.0.0.9');
    expect(stateWith(entry, plainPod).findWorkloadByAddress({ network: '', ip: '10.0.0.9' })?.name).toBe('plain');
    const state = stateWith(entry, plainPod, meshPod);
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.0.9' })?.name).toBe('mesh');
    state.applyAddresses(new Map(), ['Kubernetes//Pod/default/mesh', 'Kubernetes//Pod/default/plain']);
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.0.9' })?.name).toBe('entry');
  });

  it('does not index HOST_NETWORK workloads by address (they share the node IP)', () => {
    const state = stateWith(workload('h', '192.168.1.5', { networkMode: NetworkMode.HOST_NETWORK }));
    expect(state.findWorkloadByAddress({ network: '', ip: '192.168.1.5' })).toBeUndefined();
    expect(state.findWorkloadByUid('Kubernetes//Pod/default/h')?.networkMode).toBe('HOST_NETWORK');
  });

  it('lists workloads by node', () => {
    const state = stateWith(workload('a', '10.0.0.1'), workload('b', '10.0.0.2', { node: 'node-b' }), workload('c', '10.0.0.3'));
    expect(state.findWorkloadsOnNode('node-a').map((w) => w.name).sort()).toEqual(['a', 'c']);
    expect(state.findWorkloadsOnNode('node-b').map((w) => w.name)).toEqual(['b']);
    expect(state.findWorkloadsOnNode('nowhere')).toEqual([]);
  });

  it('finds services by VIP and by hostname, preferring the caller namespace, then canonical, then the first', () => {
    const a = service('shared', '10.96.0.5', { namespace: 'a', hostname: 'api.example.com' });
    const b = service('shared', '10.96.0.5', { namespace: 'b', hostname: 'api.example.com' });
    const c = service('shared', '10.96.0.5', { namespace: 'c', hostname: 'api.example.com', canonical: true });
    const state = stateWith(a, b);
    expect(state.findServiceByHostname('api.example.com')?.namespace).toBe('a');
    expect(state.findServiceByHostname('api.example.com', 'b')?.namespace).toBe('b');
    expect(state.findServiceByVip({ network: '', ip: '10.96.0.5' }, 'b')?.namespace).toBe('b');
    state.applyAddresses(batch(c), []);
    expect(state.findServiceByHostname('api.example.com')?.namespace).toBe('c');
    expect(state.findServiceByHostname('api.example.com', 'a')?.namespace).toBe('a');
    expect(state.findServiceByVip({ network: '', ip: '10.96.0.5' })?.namespace).toBe('c');
    expect(state.findServiceByHostname('other.example.com')).toBeUndefined();
    expect(state.findServiceByKey('b/api.example.com')?.namespace).toBe('b');
  });

  it('keeps a service\'s IP families, AUTOMATIC when unset', () => {
    const state = meshOf(service('v4', '10.96.0.8', { ipFamilies: IPFamilies.IPV4_ONLY }), service('auto', '10.96.0.9'));
    expect(state.findServiceByHostname('v4.default.svc.cluster.local')?.ipFamilies).toBe('IPV4_ONLY');
    expect(state.findServiceByHostname('auto.default.svc.cluster.local')?.ipFamilies).toBe('AUTOMATIC');
  });

  it('finds a service visible in its own namespace only from there; a public one of the same hostname elsewhere', () => {
    const local = service('db', '10.96.0.7', { namespace: 'team', hostname: 'db.example.com', visibility: Service_Visibility.NAMESPACE });
    const state = stateWith(local);
    expect(state.findServiceByHostname('db.example.com')?.visibility).toBe('NAMESPACE');
    expect(state.findVisibleServiceByHostname('db.example.com', 'team')?.namespace).toBe('team');
    expect(state.findVisibleServiceByHostname('db.example.com', 'other')).toBeUndefined();
    state.applyAddresses(batch(service('db', '10.96.0.8', { namespace: 'shared', hostname: 'db.example.com' })), []);
    expect(state.findVisibleServiceByHostname('db.example.com', 'other')?.namespace).toBe('shared');
    expect(state.findVisibleServiceByHostname('db.example.com', 'team')?.namespace).toBe('team');
    expect(state.findVisibleServiceByHostname('db.example.com', 'shared')?.visibility).toBe('PUBLIC');
    expect(state.findVisibleServiceByHostname('none.example.com', 'team')).toBeUndefined();
  });

  it('finds a service by an address inside a CIDR VIP, the narrowest range winning', () => {
    const wide = service('wide', undefined, { addresses: [{ network: '', address: ipBytes('10.200.0.0'), length: 16 }] });
    const narrow = service('narrow', undefined, { addresses: [{ network: '', address: ipBytes('10.200.7.0'), length: 24 }] });
    const state = stateWith(wide, narrow);
    expect(state.findServiceByVip({ network: '', ip: '10.200.7.9' })?.name).toBe('narrow');
    expect(state.findServiceByVip({ network: '', ip: '10.200.8.9' })?.name).toBe('wide');
    expect(state.findServiceByVip({ network: 'other', ip: '10.200.8.9' })).toBeUndefined();
    expect(state.findServiceByVip({ network: '', ip: 'not-an-ip' })).toBeUndefined();
    state.applyAddresses(new Map(), ['default/narrow.default.svc.cluster.local']);
    expect(state.findServiceByVip({ network: '', ip: '10.200.7.9' })?.name).toBe('wide');
  });
});

describe('endpoints', () => {
  it('lists the workloads naming the service, healthy ones only unless the service allows all', () => {
    const state = stateWith(
      service('echo', '10.96.0.1'),
      workload('e1', '10.0.0.1', { services: EP }),
      workload('e2', '10.0.0.2', { services: EP, status: WorkloadStatus.UNHEALTHY }),
      workload('other', '10.0.0.3'),
    );
    expect(state.findEndpoints('default/echo.default.svc.cluster.local').map((w) => w.name)).toEqual(['e1']);
    state.applyAddresses(batch(service('echo', '10.96.0.1', { loadBalancing: { healthPolicy: LoadBalancing_HealthPolicy.ALLOW_ALL } })), []);
    expect(state.findEndpoints('default/echo.default.svc.cluster.local').map((w) => w.name)).toEqual(['e1', 'e2']);
    expect(state.findEndpoints('default/none')).toEqual([]);
  });

  it('keeps endpoints that arrive before their service (ztunnel stages them)', () => {
    const state = stateWith(workload('e1', '10.0.0.1', { services: EP }));
    expect(state.findEndpoints('default/echo.default.svc.cluster.local').map((w) => w.name)).toEqual(['e1']);
    state.applyAddresses(batch(service('echo', '10.96.0.1')), []);
    expect(state.findEndpoints('default/echo.default.svc.cluster.local').map((w) => w.name)).toEqual(['e1']);
  });

  it('drops a workload that stops naming the service', () => {
    const state = stateWith(service('echo', '10.96.0.1'), workload('e1', '10.0.0.1', { services: EP }));
    expect(state.findEndpoints('default/echo.default.svc.cluster.local')).toHaveLength(1);
    state.applyAddresses(batch(workload('e1', '10.0.0.1')), []);
    expect(state.findEndpoints('default/echo.default.svc.cluster.local')).toEqual([]);
  });
});

describe('removal and replacement', () => {
  it('a removed workload disappears from every index and from service endpoints', () => {
    const uid = 'Kubernetes//Pod/default/e1';
    const state = stateWith(service('echo', '10.96.0.1'), workload('e1', '10.0.0.1', { services: EP }));
    state.applyAddresses(new Map(), [uid]);
    expect(state.findWorkloadByUid(uid)).toBeUndefined();
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.0.1' })).toBeUndefined();
    expect(state.findWorkloadsOnNode('node-a')).toEqual([]);
    expect(state.findEndpoints('default/echo.default.svc.cluster.local')).toEqual([]);
    expect(state.snapshot().workloads).toEqual([]);
    expect(state.findServiceByVip({ network: '', ip: '10.96.0.1' })?.name).toBe('echo');
  });

  it('a replaced workload leaves nothing at its old address or node', () => {
    const state = stateWith(workload('a', '10.0.0.1'));
    state.applyAddresses(batch(workload('a', '10.0.0.2', { node: 'node-b' })), []);
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.0.1' })).toBeUndefined();
    expect(state.findWorkloadByAddress({ network: '', ip: '10.0.0.2' })?.name).toBe('a');
    expect(state.findWorkloadsOnNode('node-a')).toEqual([]);
    expect(state.findWorkloadsOnNode('node-b').map((w) => w.name)).toEqual(['a']);
  });

  it('a removed service disappears by VIP and hostname', () => {
    const state = stateWith(service('echo', '10.96.0.1'));
    state.applyAddresses(new Map(), ['default/echo.default.svc.cluster.local']);
    expect(state.findServiceByVip({ network: '', ip: '10.96.0.1' })).toBeUndefined();
    expect(state.findServiceByHostname('echo.default.svc.cluster.local')).toBeUndefined();
  });

  it('removes by the resource name the object arrived under, even when it is not the uid', () => {
    const state = new MeshState();
    state.applyAddresses(new Map([['alias-name', workload('a', '10.0.0.1')], ['svc-alias', service('echo', '10.96.0.1')]]), []);
    state.applyAddresses(new Map(), ['alias-name', 'svc-alias']);
    expect(state.snapshot()).toEqual({ workloads: [], services: [] });
  });

  it('ignores removals of names it never held, and applies removals before upserts in one batch', () => {
    const state = stateWith(workload('a', '10.0.0.1'));
    expect(state.applyAddresses(batch(workload('a', '10.0.0.7')), ['Kubernetes//Pod/default/a', 'never/seen'])).toEqual([]);
    expect(state.findWorkloadByUid('Kubernetes//Pod/default/a')?.addresses).toEqual(['10.0.0.7']);
  });

  it('snapshot lists workloads by uid and services by key', () => {
    const state = stateWith(workload('b', '10.0.0.2'), workload('a', '10.0.0.1'), service('z', '10.96.0.2'), service('y', '10.96.0.1'));
    const { workloads, services } = state.snapshot();
    expect(workloads.map((w) => w.name)).toEqual(['a', 'b']);
    expect(services.map((s) => s.name)).toEqual(['y', 'z']);
  });
});
