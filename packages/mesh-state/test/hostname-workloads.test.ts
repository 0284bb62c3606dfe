// Hostname-only workloads (a DNS ServiceEntry's endpoints, resolved by ztunnel on demand): kept with their hostname,
// found by uid and as service endpoints although they have no address, and gone from both when removed.
import { describe, expect, it } from 'vitest';
import { TunnelProtocol } from '@ambient/api/workload';
import { MeshState } from '../src/index.js';
import { batch, service, workload } from '../src/testing/index.js';

const UID = 'Kubernetes/networking.istio.io/ServiceEntry/default/external/api.outside.test';
const SERVICE = 'default/api.outside.test';

function external() {
  return workload('external', undefined, {
    uid: UID, hostname: 'api.outside.test', tunnelProtocol: TunnelProtocol.NONE,
    services: { [SERVICE]: { ports: [{ servicePort: 443, targetPort: 443 }] } },
  });
}

describe('hostname-only workloads', () => {
  it('keeps the hostname and indexes the workload by uid and service, not by any address', () => {
    const state = new MeshState();
    expect(state.applyAddresses(batch(external(), service('api', '127.96.0.50', { hostname: 'api.outside.test' })), [])).toEqual([]);
    const w = state.findWorkloadByUid(UID);
    expect([w?.hostname, w?.addresses, w?.tunnelProtocol]).toEqual(['api.outside.test', [], 'NONE']);
    expect(state.findEndpoints(SERVICE).map((e) => e.uid)).toEqual([UID]);
    expect(state.findServiceByVip({ network: '', ip: '127.96.0.50' })?.key).toBe(SERVICE);
  });

  it('leaves no endpoint behind when removed', () => {
    const state = new MeshState();
    state.applyAddresses(batch(external(), service('api', '127.96.0.50', { hostname: 'api.outside.test' })), []);
    state.applyAddresses(new Map(), [UID]);
    expect(state.findWorkloadByUid(UID)).toBeUndefined();
    expect(state.findEndpoints(SERVICE)).toEqual([]);
  });
});
