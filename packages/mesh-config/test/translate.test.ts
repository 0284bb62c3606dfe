// Table tests of the translation: the quickstart config and variations, each compared with the Address istiod would send.
import { create, equals, toJsonString } from '@bufbuild/protobuf';
import {
  AddressSchema, AppProtocol, TunnelProtocol, WorkloadStatus, WorkloadType, type Address,
} from '@ambient/api/workload';
import { describe, expect, it } from 'vitest';
import { MeshConfig, type ConfigFile } from '../src/index.js';
import { quickstartFiles, withFile } from './fixtures.js';

const ip = (...octets: number[]) => new Uint8Array(octets);
const ECHO_UID = 'Kubernetes/networking.istio.io/WorkloadEntry/default/echo';
const SLEEP_UID = 'Kubernetes/networking.istio.io/WorkloadEntry/default/sleep';

function expectAddress(actual: Address | undefined, expected: Address): void {
  expect(actual, 'resource missing').toBeDefined();
  // Compare as JSON first for a readable diff, then exactly.
  expect(toJsonString(AddressSchema, actual as Address)).toBe(toJsonString(AddressSchema, expected));
  expect(equals(AddressSchema, actual as Address, expected)).toBe(true);
}

function translate(files: readonly ConfigFile[], options = {}) {
  return new MeshConfig(options).update(files);
}

describe('quickstart', () => {
  const t = translate(quickstartFiles());

  it('has no problems and exactly the expected resource names', () => {
    expect(t.problems).toEqual([]);
    expect([...t.addresses.keys()]).toEqual([ECHO_UID, SLEEP_UID, 'default/echo.default.mesh']);
    expect([...t.authorizations.keys()]).toEqual(['default/echo-allow-sleep']);
  });

  it('translates the echo WorkloadEntry', () => {
    expectAddress(t.addresses.get(ECHO_UID), create(AddressSchema, {
      type: {
        case: 'workload',
        value: {
          uid: ECHO_UID, name: 'echo', namespace: 'default', addresses: [ip(127, 0, 20, 1)], tunnelProtocol: TunnelProtocol.HBONE,
          trustDomain: 'cluster.local', serviceAccount: 'echo', node: 'node-b', canonicalName: 'echo', canonicalRevision: 'v1',
          workloadType: WorkloadType.POD, workloadName: 'echo', clusterId: 'Kubernetes', status: WorkloadStatus.HEALTHY,
          services: { 'default/echo.default.mesh': { ports: [{ servicePort: 80, targetPort: 8080 }] } },
          authorizationPolicies: ['default/echo-allow-sleep'],
        },
      },
    }));
  });

  it('translates the sleep WorkloadEntry (no service selects it, no policy applies)', () => {
    expectAddress(t.addresses.get(SLEEP_UID), create(AddressSchema, {
      type: {
        case: 'workload',
        value: {
          uid: SLEEP_UID, name: 'sleep', namespace: 'default', addresses: [ip(127, 0, 10, 1)], tunnelProtocol: TunnelProtocol.HBONE,
          trustDomain: 'cluster.local', serviceAccount: 'sleep', node: 'node-a', canonicalName: 'sleep', canonicalRevision: 'latest',
          workloadType: WorkloadType.POD, workloadName: 'sleep', clusterId: 'Kubernetes',
        },
      },
    }));
  });

  it('translates the ServiceEntry to a Service named namespace/hostname', () => {
    expectAddress(t.addresses.get('default/echo.default.mesh'), create(AddressSchema, {
      type: {
        case: 'service',
        value: {
          name: 'echo', namespace: 'default', hostname: 'echo.default.mesh', addresses: [{ network: '', address: ip(127, 96, 0, 10) }],
          ports: [{ servicePort: 80, targetPort: 8080, appProtocol: AppProtocol.HTTP11 }],
        },
      },
    }));
  });

  it('translates the AuthorizationPolicy through l4-authz', () => {
    const a = t.authorizations.get('default/echo-allow-sleep');
    expect(a?.name).toBe('echo-allow-sleep');
    expect(a?.groups[0]?.rules[0]?.matches[0]?.principals[0]?.matchType).toEqual({ case: 'exact', value: 'cluster.local/ns/default/sa/sleep' });
  });

  it('answers the impersonation check by identity and node', () => {
    const m = new MeshConfig();
    m.update(quickstartFiles());
    expect(m.hasWorkloadOnNode('spiffe://cluster.local/ns/default/sa/sleep', 'node-a')).toBe(true);
    expect(m.hasWorkloadOnNode('cluster.local/ns/default/sa/echo', 'node-b')).toBe(true);
    expect(m.hasWorkloadOnNode('spiffe://cluster.local/ns/default/sa/sleep', 'node-b')).toBe(false);
    expect(m.hasWorkloadOnNode('spiffe://other.domain/ns/default/sa/sleep', 'node-a')).toBe(false);
    expect(m.hasWorkloadOnNode('spiffe://cluster.local/ns/default/sa/sleep', '')).toBe(false);
  });
});

function workloadOf(t: ReturnType<typeof translate>, uid: string) {
  const a = t.addresses.get(uid);
  if (a?.type.case !== 'workload') throw new Error(`${uid} is not a workload`);
  return a.type.value;
}

function serviceOf(t: ReturnType<typeof translate>, name: string) {
  const a = t.addresses.get(name);
  if (a?.type.case !== 'service') throw new Error(`${name} is not a service`);
  return a.type.value;
}

const WE = (name: string, spec: string, meta = '') => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: ${name}
  namespace: apps
${meta}spec:
${spec}`;

describe('WorkloadEntry fields', () => {
  it('outside an ambient namespace a workload gets tunnel NONE', () => {
    const t = translate([{ path: 'w.yaml', text: WE('a', '  address: 127.0.30.1\n') }]);
    expect(t.problems).toEqual([]);
    expect(workloadOf(t, 'Kubernetes/networking.istio.io/WorkloadEntry/apps/a').tunnelProtocol).toBe(TunnelProtocol.NONE);
  });

  it('a workload labelled istio.io/dataplane-mode=none opts out of an ambient namespace', () => {
    const files = withFile(quickstartFiles(), 'quickstart/workloads.yaml', WE('a', '  address: 127.0.30.1\n', '  labels: { istio.io/dataplane-mode: none }\n').replace('namespace: apps', 'namespace: default'));
    expect(workloadOf(translate(files), 'Kubernetes/networking.istio.io/WorkloadEntry/default/a').tunnelProtocol).toBe(TunnelProtocol.NONE);
  });

  it('carries network, locality, weight as capacity, IPv6, canonical labels, and the configured cluster and trust domain', () => {
    const spec = `  address: "::1"
  network: net-1
  locality: us-east/zone-1/rack-2
  weight: 3
  labels:
    service.istio.io/canonical-name: reviews
    service.istio.io/canonical-revision: v7
    app: ignored
`;
    const t = translate([{ path: 'w.yaml', text: WE('r', spec) }], { clusterId: 'c1', trustDomain: 'example.org' });
    const w = workloadOf(t, 'c1/networking.istio.io/WorkloadEntry/apps/r');
    expect([w.network, w.canonicalName, w.canonicalRevision, w.capacity, w.clusterId, w.trustDomain, w.serviceAccount]).toEqual(['net-1', 'reviews', 'v7', 3, 'c1', 'example.org', 'default']);
    expect(w.locality).toMatchObject({ region: 'us-east', zone: 'zone-1', subzone: 'rack-2' });
    expect(w.addresses[0]).toEqual(new Uint8Array([...new Array<number>(15).fill(0), 1]));
    expect((t.configz as { workloads: { addresses: string[] }[] }).workloads[0]?.addresses).toEqual(['::1']);
  });

  it('takes the target port from the workload\'s named port before the ServiceEntry targetPort', () => {
    const workloads = quickstartFiles().find((f) => f.path.endsWith('workloads.yaml'))?.text ?? '';
    const files = withFile(quickstartFiles(), 'quickstart/workloads.yaml', workloads.replace('  address: 127.0.20.1', '  address: 127.0.20.1\n  ports: { http: 9090 }'));
    expect(workloadOf(translate(files), ECHO_UID).services['default/echo.default.mesh']?.ports[0]).toMatchObject({ servicePort: 80, targetPort: 9090 });
  });
});

describe('ServiceEntry fields', () => {
  const SE = (spec: string) => `apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata:
  name: db
  namespace: apps
spec:
${spec}`;

  it('keeps CIDR VIPs with their length, one Service per host, protocols from names, SANs and exportTo', () => {
    const t = translate([{ path: 's.yaml', text: SE(`  hosts: [db.apps.mesh, db2.apps.mesh]
  addresses: [127.97.0.0/24, 127.98.0.1]
  exportTo: ["."]
  subjectAltNames: [spiffe://cluster.local/ns/apps/sa/db]
  ports:
    - { number: 5432, name: tcp-pg }
    - { number: 8080, name: grpc-api }
    - { number: 8081, name: api, protocol: HTTP2 }
`) }]);
    expect(t.problems).toEqual([]);
    const s = serviceOf(t, 'apps/db2.apps.mesh');
    expect(s.addresses.map((a) => [Array.from(a.address), a.length])).toEqual([[[127, 97, 0, 0], 24], [[127, 98, 0, 1], undefined]]);
    expect(s.ports.map((p) => [p.servicePort, p.targetPort, AppProtocol[p.appProtocol]])).toEqual([[5432, 0, 'UNKNOWN'], [8080, 0, 'GRPC'], [8081, 0, 'HTTP2']]);
    expect(s.subjectAltNames).toEqual(['spiffe://cluster.local/ns/apps/sa/db']);
    expect(s.visibility).toBe(1);
    expect(serviceOf(t, 'apps/db.apps.mesh').hostname).toBe('db.apps.mesh');
  });

  it('turns inline endpoints into ServiceEntry workloads with the service in their services map', () => {
    const policy = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: db-only, namespace: apps }
spec: { selector: { matchLabels: { app: db } }, rules: [{}] }
---
`;
    const t = translate([{ path: 's.yaml', text: policy + SE(`  hosts: [db.apps.mesh]
  ports: [{ number: 5432, name: tcp }]
  resolution: STATIC
  endpoints:
    - { address: 127.0.40.1, serviceAccount: db, labels: { ambient.dev/node: node-a, app: other }, ports: { tcp: 15432 } }
`).replace('namespace: apps\n', 'namespace: apps\n  labels: { app: db }\n') }]);
    expect(t.problems).toEqual([]);
    const w = workloadOf(t, 'Kubernetes/networking.istio.io/ServiceEntry/apps/db/127.0.40.1');
    // As istiod: policies and the canonical name follow the ServiceEntry's labels, the node the endpoint's.
    expect([w.name, w.serviceAccount, w.node, w.canonicalName, w.authorizationPolicies]).toEqual(['db', 'db', 'node-a', 'db', ['apps/db-only']]);
    expect(w.services['apps/db.apps.mesh']?.ports[0]).toMatchObject({ servicePort: 5432, targetPort: 15432 });
  });
});
