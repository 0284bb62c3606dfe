// Golden wire tests: protoc encodes text-format messages, we decode them; we encode, protoc decodes them back
// to the same canonical text. This pins field numbers and types to the .proto files Istio publishes.
import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { anyPack, anyUnpack, StructSchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import {
  AddressSchema,
  ADDRESS_TYPE_URL,
  IstioCertificateRequestSchema,
  IstioCertificateResponseSchema,
  TunnelProtocol,
  LoadBalancing_Mode,
  LoadBalancing_Scope,
  AppProtocol,
} from '../src/index.js';
import { AuthorizationSchema, Action, Scope } from '../src/security.js';
import { DeltaDiscoveryRequestSchema, DeltaDiscoveryResponseSchema } from '../src/xds.js';
import { protocDecode, protocEncode } from './protoc.js';

/** Both directions: protoc's bytes decode to what we expect, and our bytes decode in protoc to the same text. */
function roundTrip<D extends DescMessage>(schema: D, text: string) {
  const theirs = protocEncode(schema.typeName, text);
  const decoded = fromBinary(schema, theirs);
  const ours = toBinary(schema, decoded);
  expect(protocDecode(schema.typeName, ours)).toBe(protocDecode(schema.typeName, theirs));
  return decoded;
}

const ipv4 = (s: string) => `"${s.split('.').map((o) => `\\${Number(o).toString(8).padStart(3, '0')}`).join('')}"`;

describe('istio.workload.Address', () => {
  it('carries a Workload with every commonly used field', () => {
    const address = roundTrip(
      AddressSchema,
      `workload {
        uid: "Kubernetes/networking.istio.io/WorkloadEntry/default/echo"
        name: "echo" namespace: "default"
        addresses: ${ipv4('127.0.20.1')}
        addresses: "\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\001"
        hostname: "echo.default" network: "net1" tunnel_protocol: HBONE
        trust_domain: "cluster.local" service_account: "echo"
        waypoint { address { network: "net1" address: ${ipv4('127.0.30.1')} } hbone_mtls_port: 15008 }
        node: "node-b" canonical_name: "echo" canonical_revision: "v1" workload_type: POD workload_name: "echo"
        services { key: "default/echo.default.mesh" value { ports { service_port: 80 target_port: 8080 app_protocol: HTTP11 } } }
        authorization_policies: "default/allow-sleep"
        cluster_id: "Kubernetes"
        locality { region: "r1" zone: "z1" subzone: "s1" }
        capacity { value: 3 }
      }`,
    );
    expect(address.type.case).toBe('workload');
    const w = address.type.case === 'workload' ? address.type.value : undefined;
    expect(w?.uid).toBe('Kubernetes/networking.istio.io/WorkloadEntry/default/echo');
    expect([...(w?.addresses[0] ?? [])]).toEqual([127, 0, 20, 1]);
    expect(w?.addresses[1]?.length).toBe(16);
    expect(w?.tunnelProtocol).toBe(TunnelProtocol.HBONE);
    expect(w?.waypoint?.destination.case).toBe('address');
    expect(w?.waypoint?.hboneMtlsPort).toBe(15008);
    expect(w?.services['default/echo.default.mesh']?.ports[0]).toMatchObject({ servicePort: 80, targetPort: 8080, appProtocol: AppProtocol.HTTP11 });
    expect(w?.authorizationPolicies).toEqual(['default/allow-sleep']);
    expect(w?.locality).toMatchObject({ region: 'r1', zone: 'z1', subzone: 's1' });
    expect(w?.capacity).toBe(3);
  });

  it('carries a Service with a CIDR address, ports, load balancing and a hostname waypoint', () => {
    const address = roundTrip(
      AddressSchema,
      `service {
        name: "echo" namespace: "default" hostname: "echo.default.mesh"
        addresses { network: "" address: ${ipv4('127.96.0.10')} }
        addresses { network: "net1" address: ${ipv4('127.96.1.0')} length: 24 }
        ports { service_port: 80 target_port: 8080 app_protocol: HTTP11 }
        ports { service_port: 443 target_port: 8443 app_protocol: TLS }
        subject_alt_names: "spiffe://cluster.local/ns/default/sa/echo"
        waypoint { hostname { namespace: "default" hostname: "waypoint.default.svc.cluster.local" } hbone_mtls_port: 15008 }
        load_balancing { routing_preference: NETWORK routing_preference: ZONE mode: FAILOVER health_policy: ALLOW_ALL }
        ip_families: IPV4_ONLY canonical: true visibility: NAMESPACE
      }`,
    );
    const s = address.type.case === 'service' ? address.type.value : undefined;
    expect(s?.hostname).toBe('echo.default.mesh');
    expect(s?.addresses[0]?.length).toBeUndefined();
    expect(s?.addresses[1]?.length).toBe(24);
    expect(s?.ports.map((p) => p.targetPort)).toEqual([8080, 8443]);
    expect(s?.loadBalancing?.routingPreference).toEqual([LoadBalancing_Scope.NETWORK, LoadBalancing_Scope.ZONE]);
    expect(s?.loadBalancing?.mode).toBe(LoadBalancing_Mode.FAILOVER);
    expect(s?.waypoint?.destination.case).toBe('hostname');
  });
});

describe('istio.security.Authorization', () => {
  it('carries groups, clauses and every match kind', () => {
    const policy = roundTrip(
      AuthorizationSchema,
      `name: "allow-sleep" namespace: "default" scope: WORKLOAD_SELECTOR action: DENY dry_run: true
       groups { rules { matches {
         namespaces { exact: "default" } not_namespaces { prefix: "kube-" }
         principals { suffix: "/sa/sleep" } not_principals { presence {} }
         service_accounts { namespace: "default" serviceAccount: "sleep" }
         not_service_accounts { namespace: "other" serviceAccount: "bad" }
         source_ips { address: ${ipv4('127.0.10.0')} length: 24 }
         not_destination_ips { address: ${ipv4('127.0.20.1')} length: 32 }
         destination_ports: 8080 not_destination_ports: 9090
       } } }
       groups { }`,
    );
    expect(policy.action).toBe(Action.DENY);
    expect(policy.scope).toBe(Scope.WORKLOAD_SELECTOR);
    expect(policy.groups).toHaveLength(2);
    const match = policy.groups[0]?.rules[0]?.matches[0];
    expect(match?.namespaces[0]?.matchType).toEqual({ case: 'exact', value: 'default' });
    expect(match?.notPrincipals[0]?.matchType.case).toBe('presence');
    expect(match?.serviceAccounts[0]).toMatchObject({ namespace: 'default', serviceAccount: 'sleep' });
    expect(match?.sourceIps[0]?.length).toBe(24);
    expect(match?.destinationPorts).toEqual([8080]);
  });
});

describe('istio.v1.auth CreateCertificate', () => {
  it('carries the CSR, TTL and impersonation metadata', () => {
    const request = roundTrip(
      IstioCertificateRequestSchema,
      `csr: "-----BEGIN CERTIFICATE REQUEST-----\\nMIIB\\n-----END CERTIFICATE REQUEST-----\\n"
       validity_duration: 86400
       metadata { fields { key: "ImpersonatedIdentity" value { string_value: "spiffe://cluster.local/ns/default/sa/echo" } } }`,
    );
    expect(request.validityDuration).toBe(86400n);
    expect(request.metadata?.ImpersonatedIdentity).toBe('spiffe://cluster.local/ns/default/sa/echo');
  });

  it('carries the chain leaf first', () => {
    const response = roundTrip(IstioCertificateResponseSchema, `cert_chain: "leaf" cert_chain: "intermediate" cert_chain: "root"`);
    expect(response.certChain).toEqual(['leaf', 'intermediate', 'root']);
  });
});

describe('envoy.service.discovery.v3 delta ADS', () => {
  it('carries a request with node metadata, subscriptions, initial versions and a NACK', () => {
    const request = roundTrip(
      DeltaDiscoveryRequestSchema,
      `node { id: "ztunnel~127.0.0.1~ztunnel-node-a.istio-system~istio-system.svc.cluster.local"
              metadata { fields { key: "NODE_NAME" value { string_value: "node-a" } } } }
       type_url: "${ADDRESS_TYPE_URL}"
       resource_names_subscribe: "*" resource_names_unsubscribe: "*"
       initial_resource_versions { key: "default/echo.default.mesh" value: "v1" }
       response_nonce: "n-1"
       error_detail { code: 3 message: "a: bad address; b: unknown enum" }`,
    );
    expect(request.node?.metadata?.NODE_NAME).toBe('node-a');
    expect(request.initialResourceVersions).toEqual({ 'default/echo.default.mesh': 'v1' });
    expect(request.errorDetail?.message).toBe('a: bad address; b: unknown enum');
  });

  it('carries a response whose resources are Any-packed Addresses', () => {
    const response = roundTrip(
      DeltaDiscoveryResponseSchema,
      `system_version_info: "2026-11-26" type_url: "${ADDRESS_TYPE_URL}" nonce: "n-2"
       resources { name: "default/echo.default.mesh" version: "abc" aliases: "/127.96.0.10"
         resource { [${ADDRESS_TYPE_URL}] { service { name: "echo" namespace: "default" hostname: "echo.default.mesh" } } } }
       removed_resources: "Kubernetes/networking.istio.io/WorkloadEntry/default/old"`,
    );
    const resource = response.resources[0]?.resource;
    expect(resource?.typeUrl).toBe(ADDRESS_TYPE_URL);
    const address = resource ? anyUnpack(resource, AddressSchema) : undefined;
    expect(address?.type.case === 'service' && address.type.value.hostname).toBe('echo.default.mesh');
    expect(response.removedResources).toEqual(['Kubernetes/networking.istio.io/WorkloadEntry/default/old']);
  });

  it('packs our own Address into a response that protoc reads', () => {
    const address = create(AddressSchema, {
      type: { case: 'service', value: { name: 'echo', namespace: 'default', hostname: 'echo.default.mesh' } },
    });
    const response = create(DeltaDiscoveryResponseSchema, {
      typeUrl: ADDRESS_TYPE_URL,
      nonce: 'n-3',
      resources: [{ name: 'default/echo.default.mesh', resource: anyPack(AddressSchema, address) }],
    });
    const text = protocDecode(DeltaDiscoveryResponseSchema.typeName, toBinary(DeltaDiscoveryResponseSchema, response));
    expect(text).toContain(`type_url: "${ADDRESS_TYPE_URL}"`);
    expect(text).toContain('nonce: "n-3"');
    const inner = protocDecode(AddressSchema.typeName, response.resources[0]?.resource?.value ?? new Uint8Array());
    expect(inner).toContain('hostname: "echo.default.mesh"');
  });
});

describe('malformed bytes', () => {
  it('are refused with an error, not a half-decoded message', () => {
    expect(() => fromBinary(AddressSchema, new Uint8Array([0x0a, 0x05, 0x01]))).toThrow();
    expect(() => fromBinary(StructSchema, new Uint8Array([0xff, 0xff, 0xff]))).toThrow();
  });
});
