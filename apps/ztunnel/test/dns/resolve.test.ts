// resolveMeshName, one row per rule of reference §1.9: hostnames, Kubernetes short names relative to the client's
// namespace, search-domain-appended names (CNAME), wildcards, headless services and their pods' names, address
// families, and the names that must go upstream.
import { describe, expect, it } from 'vitest';
import { IPFamilies, Service_Visibility } from '@ambient/api/workload';
import { ipBytes, meshOf, service, workload } from '@ambient/mesh-state/testing';
import { resolveMeshName, searchDomains, type AddressFamily } from '../../src/dns/resolve.js';

const mesh = meshOf(
  service('reviews', '127.96.0.10', { addresses: [{ network: '', address: ipBytes('127.96.0.10') }, { network: '', address: ipBytes('fd00::10') }] }),
  service('ratings', '127.96.0.11', { namespace: 'shop' }),
  service('external', undefined, { hostname: 'api.example.com', addresses: [{ network: '', address: ipBytes('127.96.0.20') }] }),
  service('wild', undefined, { hostname: '*.wild.example', addresses: [{ network: '', address: ipBytes('127.96.0.30') }] }),
  service('db', undefined, { namespace: 'shop' }),
  workload('db-0', '127.0.40.1', { namespace: 'shop', services: { 'shop/db.shop.svc.cluster.local': { ports: [{ servicePort: 5432, targetPort: 5432 }] } } }),
  workload('db-1', '127.0.40.2', { namespace: 'shop', services: { 'shop/db.shop.svc.cluster.local': { ports: [{ servicePort: 5432, targetPort: 5432 }] } } }),
  service('cidr', undefined, { hostname: 'range.example', addresses: [{ network: '', address: ipBytes('127.97.0.0'), length: 16 }] }),
  // Visible in its own namespace only (a ServiceEntry with exportTo: ['.']).
  service('ledger', '127.96.0.12', { namespace: 'shop', visibility: Service_Visibility.NAMESPACE }),
  service('vault', undefined, { namespace: 'shop', hostname: 'vault.internal', visibility: Service_Visibility.NAMESPACE, addresses: [{ network: '', address: ipBytes('127.96.0.40') }] }),
  service('vault', undefined, { namespace: 'ops', hostname: 'vault.internal', visibility: Service_Visibility.NAMESPACE, addresses: [{ network: '', address: ipBytes('127.96.0.41') }] }),
);
const client = { namespace: 'default', network: '' };

interface Row {
  readonly name: string;
  readonly q: string;
  readonly family?: AddressFamily;
  readonly ns?: string;
  readonly want: { owner: string; cname: boolean; addresses: string[] } | 'forward';
}

const rows: Row[] = [
  { name: 'a service hostname', q: 'reviews.default.svc.cluster.local', want: { owner: 'reviews.default.svc.cluster.local', cname: false, addresses: ['127.96.0.10'] } },
  { name: 'any case, answered under the name as asked', q: 'Reviews.Default.SVC.cluster.local', want: { owner: 'Reviews.Default.SVC.cluster.local', cname: false, addresses: ['127.96.0.10'] } },
  { name: 'AAAA gives the IPv6 VIP', q: 'reviews.default.svc.cluster.local', family: 6, want: { owner: 'reviews.default.svc.cluster.local', cname: false, addresses: ['fd00::10'] } },
  { name: 'a known name without an address of the family: empty answer, not forwarded', q: 'api.example.com', family: 6, want: { owner: 'api.example.com', cname: false, addresses: [] } },
  { name: 'the bare service name in the client namespace', q: 'reviews', want: { owner: 'reviews', cname: false, addresses: ['127.96.0.10'] } },
  { name: 'the bare name of a service in another namespace is not it', q: 'ratings', want: 'forward' },
  { name: 'svc.ns', q: 'ratings.shop', want: { owner: 'ratings.shop', cname: false, addresses: ['127.96.0.11'] } },
  { name: 'svc.ns.svc', q: 'ratings.shop.svc', want: { owner: 'ratings.shop.svc', cname: false, addresses: ['127.96.0.11'] } },
  { name: 'the bare name from a client in that namespace', q: 'ratings', ns: 'shop', want: { owner: 'ratings', cname: false, addresses: ['127.96.0.11'] } },
  { name: 'a ServiceEntry host', q: 'api.example.com', want: { owner: 'api.example.com', cname: false, addresses: ['127.96.0.20'] } },
  {
    name: 'a ServiceEntry host with the client search domain appended: CNAME to the host',
    q: 'api.example.com.default.svc.cluster.local',
    want: { owner: 'api.example.com', cname: true, addresses: ['127.96.0.20'] },
  },
  { name: 'svc.ns with the cluster domain appended', q: 'ratings.shop.cluster.local', want: { owner: 'ratings.shop.svc.cluster.local', cname: true, addresses: ['127.96.0.11'] } },
  { name: 'svc.ns with svc.<domain> appended is the hostname itself', q: 'ratings.shop.svc.cluster.local', want: { owner: 'ratings.shop.svc.cluster.local', cname: false, addresses: ['127.96.0.11'] } },
  { name: 'another namespace search domain is not the client', q: 'api.example.com.shop.svc.cluster.local', want: 'forward' },
  { name: 'a wildcard host covers one label', q: 'a.wild.example', want: { owner: 'a.wild.example', cname: false, addresses: ['127.96.0.30'] } },
  { name: 'a wildcard host covers several labels', q: 'a.b.wild.example', want: { owner: 'a.b.wild.example', cname: false, addresses: ['127.96.0.30'] } },
  { name: 'a wildcard does not cover its own domain', q: 'wild.example', want: 'forward' },
  { name: 'a wildcard name with a search domain: CNAME to the name under the wildcard', q: 'x.wild.example.default.svc.cluster.local', want: { owner: 'x.wild.example', cname: true, addresses: ['127.96.0.30'] } },
  { name: 'a headless service answers with its endpoints', q: 'db.shop.svc.cluster.local', want: { owner: 'db.shop.svc.cluster.local', cname: false, addresses: ['127.0.40.1', '127.0.40.2'] } },
  { name: 'a pod of a headless service by its full name', q: 'db-1.db.shop.svc.cluster.local', want: { owner: 'db-1.db.shop.svc.cluster.local', cname: false, addresses: ['127.0.40.2'] } },
  { name: 'pod.service from a client in its namespace', q: 'db-0.db', ns: 'shop', want: { owner: 'db-0.db', cname: false, addresses: ['127.0.40.1'] } },
  { name: 'pod.service is relative to the client namespace', q: 'db-0.db', want: 'forward' },
  { name: 'pod.service.ns', q: 'db-0.db.shop', want: { owner: 'db-0.db.shop', cname: false, addresses: ['127.0.40.1'] } },
  { name: 'pod.service.ns.svc', q: 'DB-0.db.shop.svc', want: { owner: 'DB-0.db.shop.svc', cname: false, addresses: ['127.0.40.1'] } },
  {
    name: 'pod.service with the client search domain appended is the full name itself',
    q: 'db-0.db.shop.svc.cluster.local', ns: 'shop',
    want: { owner: 'db-0.db.shop.svc.cluster.local', cname: false, addresses: ['127.0.40.1'] },
  },
  { name: 'pod.service.ns with the cluster domain appended: CNAME to the full name', q: 'db-1.db.shop.cluster.local', want: { owner: 'db-1.db.shop.svc.cluster.local', cname: true, addresses: ['127.0.40.2'] } },
  { name: 'a pod name that is no endpoint of the headless service goes upstream', q: 'db-9.db.shop.svc.cluster.local', want: 'forward' },
  { name: 'a service with a VIP has no per-pod names', q: 'db-0.ratings.shop.svc.cluster.local', want: 'forward' },
  { name: 'a pod name under a name that is no service goes upstream', q: 'db-0.nothing.shop.svc.cluster.local', want: 'forward' },
  { name: 'a CIDR VIP is no host address', q: 'range.example', want: { owner: 'range.example', cname: false, addresses: [] } },
  { name: 'a namespace-only service from its own namespace', q: 'ledger', ns: 'shop', want: { owner: 'ledger', cname: false, addresses: ['127.96.0.12'] } },
  { name: 'a namespace-only service is not there for another namespace', q: 'ledger.shop', want: 'forward' },
  { name: 'nor by its full name', q: 'ledger.shop.svc.cluster.local', want: 'forward' },
  { name: 'nor through a search domain', q: 'ledger.shop.cluster.local', want: 'forward' },
  { name: 'a namespace-only host answers each namespace with its own service', q: 'vault.internal', ns: 'ops', want: { owner: 'vault.internal', cname: false, addresses: ['127.96.0.41'] } },
  { name: 'the same host from the other owner', q: 'vault.internal', ns: 'shop', want: { owner: 'vault.internal', cname: false, addresses: ['127.96.0.40'] } },
  { name: 'and from nobody else', q: 'vault.internal', want: 'forward' },
  { name: 'an outside name goes upstream', q: 'www.example.org', want: 'forward' },
  { name: 'an outside name with a search domain goes upstream', q: 'www.example.org.default.svc.cluster.local', want: 'forward' },
  { name: 'the root goes upstream', q: '', want: 'forward' },
  { name: 'an escaped odd label never matches', q: 'reviews\\.default.svc.cluster.local', want: 'forward' },
];

describe('resolveMeshName', () => {
  it.each(rows)('$name', ({ q, family = 4, ns = 'default', want }) => {
    const got = resolveMeshName(mesh, q, family, { ...client, namespace: ns }, 'cluster.local');
    if (want === 'forward') expect(got).toEqual({ kind: 'forward' });
    else {
      expect(got.kind).toBe('mesh');
      if (got.kind !== 'mesh') return;
      expect({ owner: got.owner, cname: got.cname, addresses: [...got.addresses].sort() }).toEqual(want);
    }
  });

  it('answers a single-family headless service only in its family, though its pods are dual-stack; the pods by name in both', () => {
    const dual = (name: string, ip4: string, ip6: string) =>
      workload(name, undefined, { namespace: 'shop', addresses: [ipBytes(ip4), ipBytes(ip6)], services: { 'shop/cache.shop.svc.cluster.local': { ports: [] } } });
    const headless = (families: IPFamilies) => meshOf(service('cache', undefined, { namespace: 'shop', ipFamilies: families }), dual('cache-0', '127.0.41.1', 'fd00:41::1'));
    const ask = (families: IPFamilies, q: string, family: 4 | 6) => resolveMeshName(headless(families), q, family, client, 'cluster.local');
    expect(ask(IPFamilies.IPV4_ONLY, 'cache.shop', 4)).toMatchObject({ kind: 'mesh', addresses: ['127.0.41.1'] });
    expect(ask(IPFamilies.IPV4_ONLY, 'cache.shop', 6)).toMatchObject({ kind: 'mesh', addresses: [] });
    expect(ask(IPFamilies.IPV6_ONLY, 'cache.shop', 4)).toMatchObject({ kind: 'mesh', addresses: [] });
    expect(ask(IPFamilies.DUAL, 'cache.shop', 6)).toMatchObject({ kind: 'mesh', addresses: ['fd00:41::1'] });
    expect(ask(IPFamilies.IPV4_ONLY, 'cache-0.cache.shop', 6)).toMatchObject({ kind: 'mesh', addresses: ['fd00:41::1'] });
  });

  it('uses the given cluster domain for short names and search domains', () => {
    const other = meshOf(service('reviews', '127.96.0.10', { hostname: 'reviews.default.svc.corp.example' }));
    expect(resolveMeshName(other, 'reviews', 4, client, 'corp.example')).toMatchObject({ kind: 'mesh', addresses: ['127.96.0.10'] });
    expect(resolveMeshName(other, 'reviews', 4, client, 'cluster.local')).toEqual({ kind: 'forward' });
  });

  it('answers only with VIPs on the client network, none when all are elsewhere (ztunnel: callable from the client)', () => {
    const multi = meshOf(service('reviews', undefined, { addresses: [{ network: 'east', address: ipBytes('127.96.1.1') }, { network: '', address: ipBytes('127.96.0.1') }] }));
    expect(resolveMeshName(multi, 'reviews', 4, { namespace: 'default', network: 'east' }, 'cluster.local')).toMatchObject({ addresses: ['127.96.1.1'] });
    expect(resolveMeshName(multi, 'reviews', 4, { namespace: 'default', network: '' }, 'cluster.local')).toMatchObject({ addresses: ['127.96.0.1'] });
    expect(resolveMeshName(multi, 'reviews', 4, { namespace: 'default', network: 'west' }, 'cluster.local')).toMatchObject({ kind: 'mesh', addresses: [] });
  });

  it('lists the Kubernetes search domains most specific first', () => {
    expect(searchDomains('shop', 'cluster.local')).toEqual(['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  });
});
