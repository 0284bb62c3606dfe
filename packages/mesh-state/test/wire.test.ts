// Addresses encoded by Debian's protoc (an encoder we did not write), decoded with protobuf-es and applied.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromBinary } from '@bufbuild/protobuf';
import { AddressSchema } from '@ambient/api/workload';
import { MeshState } from '../src/index.js';

function protocEncode(text: string): Uint8Array {
  const protoDir = join(import.meta.dirname, '..', '..', 'api', 'proto');
  return new Uint8Array(
    execFileSync('protoc', ['--encode=istio.workload.Address', `-I${protoDir}`, '-I/usr/include', 'istio/workload/workload.proto'], { input: text }),
  );
}

describe('Addresses from protoc', () => {
  it('a workload with services, waypoint, locality and capacity', () => {
    const bytes = protocEncode(`
      workload {
        uid: "Kubernetes//Pod/shop/cart-7f9"  name: "cart-7f9"  namespace: "shop"
        addresses: "\\n\\001\\002\\003"  network: "net1"  tunnel_protocol: HBONE  service_account: "cart"  node: "node-a"
        waypoint { address { network: "net1" address: "\\n\\001\\t\\001" } hbone_mtls_port: 15008 }
        services { key: "shop/cart.shop.svc.cluster.local" value { ports { service_port: 80 target_port: 8080 app_protocol: HTTP11 } } }
        authorization_policies: "shop/allow-frontend"  locality { region: "eu" zone: "eu-1" subzone: "a" }
        capacity { value: 3 }  workload_type: POD  status: UNHEALTHY
      }`);
    const state = new MeshState();
    expect(state.applyAddresses(new Map([['Kubernetes//Pod/shop/cart-7f9', fromBinary(AddressSchema, bytes)]]), [])).toEqual([]);
    const w = state.findWorkloadByAddress({ network: 'net1', ip: '10.1.2.3' });
    expect(w).toMatchObject({
      name: 'cart-7f9', identity: 'spiffe://cluster.local/ns/shop/sa/cart', tunnelProtocol: 'HBONE', node: 'node-a',
      waypoint: { kind: 'address', network: 'net1', ip: '10.1.9.1', hbonePort: 15008 }, authorizationPolicies: ['shop/allow-frontend'],
      locality: { region: 'eu', zone: 'eu-1', subzone: 'a' }, capacity: 3, workloadType: 'pod', healthy: false,
    });
    expect(w?.services.get('shop/cart.shop.svc.cluster.local')).toEqual([{ servicePort: 80, targetPort: 8080, appProtocol: 'HTTP11' }]);
  });

  it('a service with a CIDR VIP and load balancing', () => {
    const bytes = protocEncode(`
      service {
        name: "egress" namespace: "shop" hostname: "egress.shop.svc.cluster.local"
        addresses { network: "" address: "\\n\\310\\000\\000" length: 16 }
        ports { service_port: 443 target_port: 8443 }  subject_alt_names: "spiffe://cluster.local/ns/shop/sa/egress"
        load_balancing { routing_preference: NETWORK routing_preference: ZONE mode: FAILOVER health_policy: ALLOW_ALL }
      }`);
    const state = new MeshState();
    expect(state.applyAddresses(new Map([['shop/egress.shop.svc.cluster.local', fromBinary(AddressSchema, bytes)]]), [])).toEqual([]);
    expect(state.findServiceByVip({ network: '', ip: '10.200.3.4' })).toMatchObject({
      key: 'shop/egress.shop.svc.cluster.local', vips: [{ network: '', ip: '10.200.0.0', prefixLength: 16 }],
      loadBalancing: { mode: 'FAILOVER', routingPreference: ['NETWORK', 'ZONE'], healthPolicy: 'ALLOW_ALL' },
    });
  });

  it('a service with weighted waypoints and a workload with an application tunnel', () => {
    const svc = protocEncode(`
      service {
        name: "reviews" namespace: "shop" hostname: "reviews.shop.svc.cluster.local"
        waypoint { hostname { namespace: "shop" hostname: "wp.shop.svc.cluster.local" } hbone_mtls_port: 15008 }
        weighted_waypoints { destination { hostname { namespace: "shop" hostname: "wp.shop.svc.cluster.local" } hbone_mtls_port: 15008 } weight: 90 }
        weighted_waypoints { destination { address { network: "net1" address: "\\n\\001\\t\\002" } hbone_mtls_port: 15009 } weight: 10 }
      }`);
    const wl = protocEncode(`
      workload { uid: "Kubernetes//Pod/shop/wp-1" name: "wp-1" namespace: "shop" addresses: "\\n\\001\\t\\001"
                 application_tunnel { protocol: PROXY port: 15088 } }`);
    const state = new MeshState();
    const upserts = new Map([
      ['shop/reviews.shop.svc.cluster.local', fromBinary(AddressSchema, svc)],
      ['Kubernetes//Pod/shop/wp-1', fromBinary(AddressSchema, wl)],
    ]);
    expect(state.applyAddresses(upserts, [])).toEqual([]);
    expect(state.findServiceByKey('shop/reviews.shop.svc.cluster.local')?.weightedWaypoints).toEqual([
      { waypoint: { kind: 'hostname', namespace: 'shop', hostname: 'wp.shop.svc.cluster.local', hbonePort: 15008 }, weight: 90 },
      { waypoint: { kind: 'address', network: 'net1', ip: '10.1.9.2', hbonePort: 15009 }, weight: 10 },
    ]);
    expect(state.findWorkloadByUid('Kubernetes//Pod/shop/wp-1')?.applicationTunnel).toEqual({ protocol: 'PROXY', port: 15088 });
  });

  it('leaves both out when the control plane does not send them', () => {
    const state = new MeshState();
    const svc = protocEncode('service { name: "s" namespace: "ns" hostname: "s.ns" }');
    const wl = protocEncode('workload { uid: "u" namespace: "ns" }');
    state.applyAddresses(new Map([['ns/s.ns', fromBinary(AddressSchema, svc)], ['u', fromBinary(AddressSchema, wl)]]), []);
    expect(state.findServiceByKey('ns/s.ns')).not.toHaveProperty('weightedWaypoints');
    expect(state.findWorkloadByUid('u')).not.toHaveProperty('applicationTunnel');
  });

  it('an application tunnel with only a protocol keeps port 0 (the resolved target port)', () => {
    const wl = protocEncode('workload { uid: "u" namespace: "ns" application_tunnel { protocol: PROXY } }');
    const state = new MeshState();
    state.applyAddresses(new Map([['u', fromBinary(AddressSchema, wl)]]), []);
    expect(state.findWorkloadByUid('u')?.applicationTunnel).toEqual({ protocol: 'PROXY', port: 0 });
  });

  it('a LEGACY_ISTIO_MTLS workload from the wire is rejected', () => {
    const bytes = protocEncode('workload { uid: "u" namespace: "ns" tunnel_protocol: LEGACY_ISTIO_MTLS }');
    const [rejection] = new MeshState().applyAddresses(new Map([['u', fromBinary(AddressSchema, bytes)]]), []);
    expect(rejection?.reason).toMatch(/LEGACY_ISTIO_MTLS/);
  });
});
