// Label sets as ztunnel builds them: which side fills which label, "unknown" for the rest, locality only with a workload.
import { describe, expect, it } from 'vitest';
import { tcpConnectionLabels, withResponseFlags, type TcpConnectionLabels } from '../src/index.js';
import { echo, echoService, sleep } from './fixtures.js';

const ISTIO_LABEL_ORDER = [
  'reporter', 'source_workload', 'source_canonical_service', 'source_canonical_revision', 'source_workload_namespace',
  'source_principal', 'source_app', 'source_version', 'source_cluster', 'destination_service',
  'destination_service_namespace', 'destination_service_name', 'destination_workload', 'destination_canonical_service',
  'destination_canonical_revision', 'destination_workload_namespace', 'destination_principal', 'destination_app',
  'destination_version', 'destination_cluster', 'request_protocol', 'response_flags', 'connection_security_policy',
];
const LOCALITY = ['source_region', 'source_zone', 'destination_region', 'destination_zone'];

describe('tcpConnectionLabels', () => {
  it('outbound: source from its record (no principal: that needs a handshake), destination with its identity', () => {
    const labels = tcpConnectionLabels({ reporter: 'source', source: sleep, destination: echo, destinationService: echoService, securityPolicy: 'mutual_tls' });
    expect(labels).toEqual({
      reporter: 'source',
      source_workload: 'sleep',
      source_canonical_service: 'sleep',
      source_canonical_revision: 'v1',
      source_workload_namespace: 'default',
      source_principal: 'unknown',
      source_app: 'sleep',
      source_version: 'v1',
      source_cluster: 'Kubernetes',
      destination_service: 'echo.apps.svc.cluster.local',
      destination_service_namespace: 'apps',
      destination_service_name: 'echo',
      destination_workload: 'echo',
      destination_canonical_service: 'echo',
      destination_canonical_revision: 'v2',
      destination_workload_namespace: 'apps',
      destination_principal: 'spiffe://cluster.local/ns/apps/sa/echo',
      destination_app: 'echo',
      destination_version: 'v2',
      destination_cluster: 'Kubernetes',
      request_protocol: 'tcp',
      response_flags: '-',
      connection_security_policy: 'mutual_tls',
      source_region: 'eu-west',
      source_zone: 'eu-west-1a',
      destination_region: 'unknown',
      destination_zone: 'unknown',
    });
    expect(Object.keys(labels)).toEqual([...ISTIO_LABEL_ORDER, ...LOCALITY]);
  });

  it('inbound: source_principal comes from the derived (handshake) identity, the record fills the rest', () => {
    const labels = tcpConnectionLabels({
      reporter: 'destination',
      source: sleep,
      derivedSource: { identity: 'spiffe://cluster.local/ns/default/sa/sleep', workloadName: 'ignored', namespace: 'ignored' },
      destination: echo,
      securityPolicy: 'mutual_tls',
    });
    expect(labels.reporter).toBe('destination');
    expect(labels.source_principal).toBe('spiffe://cluster.local/ns/default/sa/sleep');
    expect(labels.source_workload).toBe('sleep');
    expect(labels.source_workload_namespace).toBe('default');
    expect(labels.destination_service).toBe('unknown');
  });

  it('inbound from a peer with no record: everything derived, source_app is the workload name as in ztunnel', () => {
    const labels = tcpConnectionLabels({
      reporter: 'destination',
      derivedSource: { identity: 'spiffe://td/ns/x/sa/y', workloadName: 'client', app: 'client-app', revision: 'r1', namespace: 'x', clusterId: 'c2' },
      securityPolicy: 'mutual_tls',
    });
    expect(labels).toMatchObject({
      source_workload: 'client',
      source_canonical_service: 'client-app',
      source_canonical_revision: 'r1',
      source_workload_namespace: 'x',
      source_principal: 'spiffe://td/ns/x/sa/y',
      source_app: 'client',
      source_version: 'r1',
      source_cluster: 'c2',
      source_region: 'unknown',
      destination_zone: 'unknown',
    });
  });

  it('a source record wins over the derived peer for every source label but the principal, locality included', () => {
    const labels = tcpConnectionLabels({
      reporter: 'destination',
      source: { ...sleep, locality: { region: 'eu', zone: 'eu-1' } },
      derivedSource: { identity: 'spiffe://td/ns/x/sa/y', workloadName: 'other', app: 'other-app', region: 'us', zone: 'us-1' },
      securityPolicy: 'mutual_tls',
    });
    expect(labels).toMatchObject({ source_workload: 'sleep', source_app: 'sleep', source_principal: 'spiffe://td/ns/x/sa/y', source_region: 'eu', source_zone: 'eu-1' });
    expect(labels).toMatchObject({ destination_workload: 'unknown', destination_principal: 'unknown', destination_region: 'unknown', destination_zone: 'unknown' });
    expect(Object.keys(labels)).toEqual([...ISTIO_LABEL_ORDER, ...LOCALITY]);
  });

  it('plaintext to an address outside the mesh: unknown everywhere, no locality labels', () => {
    const labels = tcpConnectionLabels({ reporter: 'source', securityPolicy: 'unknown' });
    expect(Object.keys(labels)).toEqual(ISTIO_LABEL_ORDER);
    const values = Object.entries(labels).filter(([k]) => !['reporter', 'request_protocol', 'response_flags'].includes(k));
    expect(new Set(values.map(([, v]) => v))).toEqual(new Set(['unknown']));
    expect(labels.response_flags).toBe('-');
  });

  it('writes empty strings as unknown', () => {
    const labels = tcpConnectionLabels({
      reporter: 'source',
      destination: { ...echo, canonicalRevision: '', clusterId: '', locality: { region: '', zone: 'z' } },
      destinationService: { name: '', namespace: 'apps', hostname: 'h' },
      securityPolicy: 'mutual_tls',
    });
    expect(labels).toMatchObject({ destination_canonical_revision: 'unknown', destination_version: 'unknown', destination_cluster: 'unknown', destination_region: 'unknown', destination_zone: 'z', destination_service_name: 'unknown' });
  });

  it('changes only response_flags for the closing sample', () => {
    const open: TcpConnectionLabels = tcpConnectionLabels({ reporter: 'destination', destination: echo, securityPolicy: 'mutual_tls' });
    expect(withResponseFlags(open, '-')).toBe(open);
    expect(withResponseFlags(open, 'DENY')).toEqual({ ...open, response_flags: 'DENY' });
    expect(Object.keys(withResponseFlags(open, 'CONNECT'))).toEqual(Object.keys(open));
  });
});
