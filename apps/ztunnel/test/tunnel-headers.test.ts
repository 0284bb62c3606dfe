// The forwarded and baggage headers of an outbound CONNECT (reference §2.3), read back with @ambient/hbone's parsers.
import { describe, expect, it } from 'vitest';
import { parseBaggage, parseForwarded } from '@ambient/hbone';
import { meshOf, workload } from '@ambient/mesh-state/testing';
import { WorkloadType } from '@ambient/api/workload';
import type { WorkloadRecord } from '@ambient/mesh-state';
import { connectHeaders, workloadBaggage } from '../src/tunnel-headers.js';

const state = meshOf(
  workload('sleep-7d9f', '127.0.11.1', {
    workloadName: 'sleep', workloadType: WorkloadType.DEPLOYMENT, canonicalName: 'sleep', canonicalRevision: 'v1', clusterId: 'east',
    locality: { region: 'eu-west', zone: 'eu-west-1a', subzone: '' },
  }),
  workload('bare', '127.0.11.2', { workloadType: WorkloadType.POD }),
);
const find = (name: string): WorkloadRecord => state.findWorkloadByUid(`Kubernetes//Pod/default/${name}`) as WorkloadRecord;

describe('connect headers', () => {
  it('describes the source workload in baggage as ztunnel does', () => {
    expect(parseBaggage(workloadBaggage(find('sleep-7d9f')))).toEqual({
      'k8s.cluster.name': 'east', 'k8s.namespace.name': 'default', 'k8s.deployment.name': 'sleep', 'service.name': 'sleep', 'service.version': 'v1',
      'cloud.region': 'eu-west', 'cloud.availability_zone': 'eu-west-1a',
    });
  });

  it('leaves empty values out of the baggage', () => {
    const baggage = workloadBaggage(find('bare')) ?? '';
    expect(baggage.split(',').every((member) => !member.endsWith('='))).toBe(true);
    expect(parseBaggage(baggage)).toMatchObject({ 'k8s.namespace.name': 'default' });
    expect(baggage).not.toContain('cloud.');
  });

  it('puts the client address in forwarded, and the service hostname when there is one', () => {
    const withService = connectHeaders(find('sleep-7d9f'), { address: '127.0.11.1', port: 40000 }, 'echo.default.svc.cluster.local');
    expect(withService['forwarded']).toBe('for="127.0.11.1:40000";host=echo.default.svc.cluster.local');
    expect(parseForwarded(withService['forwarded'])).toEqual({ for: '127.0.11.1:40000', host: 'echo.default.svc.cluster.local' });
    expect(parseForwarded(connectHeaders(find('bare'), { address: 'fd00::1', port: 5 })['forwarded'])).toEqual({ for: '[fd00::1]:5' });
  });
});
