// The DNS proxy and hostname-only workloads: a service without a VIP is answered only when it is a headless
// Kubernetes service; a DNS ServiceEntry of an outside host without `addresses` goes upstream, as ztunnel's
// find_server filters it, so the app gets the host's real address instead of an empty mesh answer.
import { describe, expect, it } from 'vitest';
import { TunnelProtocol } from '@ambient/api/workload';
import { ipBytes, meshOf, service, workload } from '@ambient/mesh-state/testing';
import { resolveMeshName } from '../../src/dns/resolve.js';

const EXT = { [`default/api.outside.test`]: { ports: [{ servicePort: 443, targetPort: 443 }] } };
const mesh = meshOf(
  service('api', undefined, { hostname: 'api.outside.test' }),
  workload('api', undefined, { uid: 'se/api', hostname: 'api.outside.test', tunnelProtocol: TunnelProtocol.NONE, services: EXT }),
  service('vip', undefined, { hostname: 'vip.outside.test', addresses: [{ network: '', address: ipBytes('127.96.0.90') }] }),
  workload('vip', undefined, { uid: 'se/vip', hostname: 'vip.outside.test', services: { 'default/vip.outside.test': { ports: [] } } }),
  service('wide', undefined, { hostname: '*.outside.test', addresses: [{ network: '', address: ipBytes('127.96.0.91') }] }),
  service('pods', undefined, { namespace: 'shop' }),
  workload('pods-0', '127.0.40.1', { namespace: 'shop', services: { 'shop/pods.shop.svc.cluster.local': { ports: [] } } }),
);
const client = { namespace: 'default', network: '' };

describe('services without a VIP in the DNS proxy', () => {
  it('forwards the host of a DNS ServiceEntry without addresses (its workload has only the hostname)', () => {
    const m = meshOf(service('api', undefined, { hostname: 'api.outside.test' }), workload('api', undefined, { uid: 'se/api', hostname: 'api.outside.test', services: EXT }));
    expect(resolveMeshName(m, 'api.outside.test', 4, client, 'cluster.local')).toEqual({ kind: 'forward' });
  });

  it('falls through a VIP-less host to a wildcard host with a VIP, as ztunnel tries wildcards next', () => {
    expect(resolveMeshName(mesh, 'api.outside.test', 4, client, 'cluster.local')).toMatchObject({ kind: 'mesh', addresses: ['127.96.0.91'], service: 'default/*.outside.test' });
  });

  it('answers a DNS ServiceEntry with a VIP with the VIP, which ztunnel then resolves per connection', () => {
    expect(resolveMeshName(mesh, 'vip.outside.test', 4, client, 'cluster.local')).toMatchObject({ kind: 'mesh', addresses: ['127.96.0.90'] });
  });

  it('still answers a headless Kubernetes service with its endpoints', () => {
    expect(resolveMeshName(mesh, 'pods.shop.svc.cluster.local', 4, client, 'cluster.local')).toMatchObject({ kind: 'mesh', addresses: ['127.0.40.1'] });
  });
});
