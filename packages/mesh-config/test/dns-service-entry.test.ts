// ServiceEntries with resolution DNS / DNS_ROUND_ROBIN, as istiod's ambient index builds them
// (serviceEntryWorkloadBuilder): DNS-named endpoints, and without endpoints one implicit endpoint per host, become
// Workloads with `hostname` and no addresses, which ztunnel resolves when a connection picks them.
import { create, equals, toJsonString } from '@bufbuild/protobuf';
import { AddressSchema, TunnelProtocol, WorkloadStatus, WorkloadType, type Address, type Workload } from '@ambient/api/workload';
import { describe, expect, it } from 'vitest';
import { MeshConfig, type ConfigFile } from '../src/index.js';
import { quickstartFiles } from './fixtures.js';

const SE = (name: string, spec: string, meta = '') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: default
${meta}spec:
${spec}`;

const uid = (name: string, address: string) => `Kubernetes/networking.istio.io/ServiceEntry/default/${name}/${address}`;

function translate(...texts: string[]) {
  const files: ConfigFile[] = [...quickstartFiles(), ...texts.map((text, i) => ({ path: `z/dns-${i}.yaml`, text }))];
  return new MeshConfig().update(files);
}

function workloadOf(t: { addresses: ReadonlyMap<string, Address> }, key: string): Workload {
  const a = t.addresses.get(key);
  if (a?.type.case !== 'workload') throw new Error(`no workload ${key} in ${[...t.addresses.keys()].join(', ')}`);
  return a.type.value;
}

describe('resolution DNS without endpoints: one implicit endpoint per host', () => {
  const t = translate(SE('external', `  hosts: [api.outside.test, files.outside.test]
  addresses: [127.96.0.50]
  ports: [{ number: 443, name: tls, targetPort: 8443 }, { number: 80, name: http }]
  location: MESH_EXTERNAL
  resolution: DNS
`, '  labels: { app: external-api }\n'));

  it('has no problems, and a Service and a hostname Workload per host', () => {
    expect(t.problems).toEqual([]);
    expect([...t.addresses.keys()].filter((k) => k.includes('outside'))).toEqual([
      'default/api.outside.test', 'default/files.outside.test', uid('external', 'api.outside.test'), uid('external', 'files.outside.test'),
    ].sort());
  });

  it('builds the Workload istiod sends: hostname, no addresses, its own host\'s Service only, no tunnel', () => {
    const expected = create(AddressSchema, {
      type: {
        case: 'workload',
        value: {
          uid: uid('external', 'api.outside.test'), name: 'external', namespace: 'default', hostname: 'api.outside.test',
          tunnelProtocol: TunnelProtocol.NONE, trustDomain: 'cluster.local', serviceAccount: 'default', canonicalName: 'external-api',
          canonicalRevision: 'latest', workloadType: WorkloadType.POD, workloadName: 'external', status: WorkloadStatus.HEALTHY, clusterId: 'Kubernetes',
          services: { 'default/api.outside.test': { ports: [{ servicePort: 443, targetPort: 8443 }, { servicePort: 80, targetPort: 80 }] } },
        },
      },
    });
    const actual = t.addresses.get(uid('external', 'api.outside.test')) as Address;
    expect(toJsonString(AddressSchema, actual)).toBe(toJsonString(AddressSchema, expected));
    expect(equals(AddressSchema, actual, expected)).toBe(true);
  });

  it('lists the hostname in /debug/configz', () => {
    const { workloads } = t.configz as { workloads: { name: string; hostname?: string; addresses: string[] }[] };
    const w = workloads.find((x) => x.name === uid('external', 'files.outside.test'));
    expect(w).toMatchObject({ hostname: 'files.outside.test', addresses: [] });
  });
});

describe('resolution DNS with endpoints', () => {
  it('keeps an IP endpoint an address and makes a DNS-named one a hostname Workload serving every host', () => {
    const t = translate(SE('mixed', `  hosts: [db.outside.test, db2.outside.test]
  ports: [{ number: 5432, name: tcp }]
  resolution: DNS
  endpoints:
    - { address: 127.0.60.1 }
    - { address: replica.db.outside.test, ports: { tcp: 15432 }, weight: 3, locality: eu/west }
`));
    expect(t.problems).toEqual([]);
    expect(Array.from(workloadOf(t, uid('mixed', '127.0.60.1')).addresses[0] ?? [])).toEqual([127, 0, 60, 1]);
    const w = workloadOf(t, uid('mixed', 'replica.db.outside.test'));
    expect([w.hostname, w.addresses, w.capacity, w.locality?.region, w.locality?.zone]).toEqual(['replica.db.outside.test', [], 3, 'eu', 'west']);
    expect(Object.keys(w.services).sort()).toEqual(['default/db.outside.test', 'default/db2.outside.test']);
    expect(w.services['default/db.outside.test']?.ports).toMatchObject([{ servicePort: 5432, targetPort: 15432 }]);
  });

  it('accepts DNS_ROUND_ROBIN with one endpoint', () => {
    const t = translate(SE('rr', '  hosts: [rr.outside.test]\n  ports: [{ number: 80 }]\n  resolution: DNS_ROUND_ROBIN\n  endpoints: [{ address: lb.outside.test }]\n'));
    expect(t.problems).toEqual([]);
    expect(workloadOf(t, uid('rr', 'lb.outside.test')).hostname).toBe('lb.outside.test');
  });

  it('lets two ServiceEntries name one external host (a name is no address claim)', () => {
    const t = translate(
      SE('one', '  hosts: [one.outside.test]\n  ports: [{ number: 80 }]\n  resolution: DNS\n  endpoints: [{ address: shared.outside.test }]\n'),
      SE('two', '  hosts: [two.outside.test]\n  ports: [{ number: 80 }]\n  resolution: DNS\n  endpoints: [{ address: shared.outside.test }]\n'),
    );
    expect(t.problems).toEqual([]);
    expect([workloadOf(t, uid('one', 'shared.outside.test')).hostname, workloadOf(t, uid('two', 'shared.outside.test')).hostname]).toEqual(['shared.outside.test', 'shared.outside.test']);
  });

  it('is HBONE only with istiod\'s tunnel label, even in an ambient namespace', () => {
    const plain = translate(SE('p', '  hosts: [p.outside.test]\n  ports: [{ number: 80 }]\n  resolution: DNS\n'));
    expect(workloadOf(plain, uid('p', 'p.outside.test')).tunnelProtocol).toBe(TunnelProtocol.NONE);
    const tunnel = translate(SE('h', '  hosts: [h.outside.test]\n  ports: [{ number: 80 }]\n  resolution: DNS\n', '  labels: { networking.istio.io/tunnel: http }\n'));
    expect(workloadOf(tunnel, uid('h', 'h.outside.test')).tunnelProtocol).toBe(TunnelProtocol.HBONE);
  });

  it('makes no implicit endpoints when a workloadSelector picks the endpoints', () => {
    const t = translate(SE('sel', '  hosts: [sel.outside.test]\n  ports: [{ number: 80 }]\n  resolution: DNS\n  workloadSelector: { labels: { app: none-such } }\n'));
    expect(t.problems).toEqual([]);
    expect([...t.addresses.keys()].filter((k) => k.includes('sel'))).toEqual(['default/sel.outside.test']);
  });

  it('still allows a wildcard host when endpoints say what to resolve', () => {
    const t = translate(SE('wild', '  hosts: ["*.wild.outside.test"]\n  ports: [{ number: 443 }]\n  resolution: DNS\n  endpoints: [{ address: egress.outside.test }]\n'));
    expect(t.problems).toEqual([]);
    expect(Object.keys(workloadOf(t, uid('wild', 'egress.outside.test')).services)).toEqual(['default/*.wild.outside.test']);
  });
});
