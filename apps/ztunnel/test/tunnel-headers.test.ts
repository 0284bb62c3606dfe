// The forwarded and baggage headers of an outbound CONNECT (reference §2.3), read back with @ambient/hbone's parsers;
// the baggage of the 200; and the source a destination reads back from a CONNECT's baggage, malformed ones included.
import { describe, expect, it } from 'vitest';
import { parseBaggage, parseForwarded } from '@ambient/hbone';
import { meshOf, workload } from '@ambient/mesh-state/testing';
import { WorkloadType } from '@ambient/api/workload';
import type { WorkloadRecord } from '@ambient/mesh-state';
import { baggageSource, connectHeaders, tunnelResponseHeaders, workloadBaggage } from '../src/tunnel-headers.js';

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

describe('baggage read back by the destination', () => {
  it('reads what the source sent: the source workload labels, round trip', () => {
    expect(baggageSource(parseBaggage(workloadBaggage(find('sleep-7d9f'))))).toEqual({
      clusterId: 'east', namespace: 'default', workloadName: 'sleep', app: 'sleep', revision: 'v1', region: 'eu-west', zone: 'eu-west-1a',
    });
  });

  it('takes the workload name only from the types ztunnel reads, and drops empty values and unknown keys', () => {
    expect(baggageSource(parseBaggage('k8s.replicaset.name=rs,k8s.namespace.name=,service.name=app,other=x'))).toEqual({ app: 'app' });
    for (const type of ['deployment', 'cronjob', 'pod', 'job']) expect(baggageSource({ [`k8s.${type}.name`]: 'w' })).toEqual({ workloadName: 'w' });
    expect(baggageSource({})).toEqual({});
  });

  it('survives malformed baggage: members without "=", bad escapes, properties', () => {
    expect(baggageSource(parseBaggage('garbage,,=v,k8s.namespace.name=ns;prop=1,service.name=%E0%A4%A,service.version=v%201'))).toEqual({ namespace: 'ns', revision: 'v 1' });
  });

  it('answers the 200 with the destination workload\'s baggage, the same object for the same record', () => {
    const headers = tunnelResponseHeaders(find('sleep-7d9f'));
    expect(headers).toEqual({ baggage: workloadBaggage(find('sleep-7d9f')) });
    expect(tunnelResponseHeaders(find('sleep-7d9f'))).toBe(headers);
    expect(Object.isFrozen(headers)).toBe(true);
  });
});
