// Our client syncs from a delta ADS server we did not write (Python grpcio, protoc-generated messages).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { addressType, XdsClient } from '../src/index.js';
import { eventually, makeTls, quiet, startPython, type TestTls } from './harness.js';

let tls: TestTls;
beforeAll(() => void (tls = makeTls()));
afterAll(() => tls.cleanup());

interface PyRequest {
  typeUrl: string;
  nonce: string;
  error: string | null;
  subscribe: string[];
  initial: Record<string, string>;
  nodeId: string;
  metadata: Record<string, unknown>;
  authorization?: string;
  clusterid?: string;
  tenant?: string | null;
}

it('syncs from a Python grpcio server: accepts the good, NACKs the legacy workload, applies a change and a removal, sends extra headers', async () => {
  const py = await startPython('ads_server.py', tls);
  const requests = py.lines as unknown as PyRequest[];
  const client = new XdsClient({
    address: `127.0.0.1:${py.port}`, tls: { rootPem: tls.rootPem }, logger: quiet, token: 'our-token',
    node: { nodeName: 'node-a', podName: 'ztunnel-1', podNamespace: 'istio-system', instanceIps: ['10.0.0.9'], clusterId: 'Kubernetes' },
    types: [{ type: addressType }], headers: { 'x-tenant': 'blue' },
  });
  try {
    await client.ready();
    await eventually(() => expect([...client.snapshot(addressType).keys()]).toEqual(['w1']));
    const w1 = client.find(addressType, 'w1');
    expect(w1?.type.case === 'workload' && [...(w1.type.value.addresses[0] ?? [])]).toEqual([10, 0, 0, 11]);
    await eventually(() => expect(requests).toHaveLength(3));
    expect(requests[0]).toMatchObject({
      typeUrl: ADDRESS_TYPE_URL, nonce: '', subscribe: [], initial: {},
      nodeId: 'ztunnel~10.0.0.9~ztunnel-1.istio-system~istio-system.svc.cluster.local',
      metadata: { NAME: 'ztunnel-1', NAMESPACE: 'istio-system', INSTANCE_IPS: '10.0.0.9', NODE_NAME: 'node-a', CLUSTER_ID: 'Kubernetes' },
      authorization: 'Bearer our-token', clusterid: 'Kubernetes', tenant: 'blue',
    });
    expect(requests[1]).toMatchObject({ nonce: 'py-1', error: 'legacy: unsupported tunnel protocol LEGACY_ISTIO_MTLS' });
    expect(requests[2]).toMatchObject({ nonce: 'py-2', error: null });
  } finally {
    client.close();
  }
  expect(await py.stop()).toBe(0);
}, 30_000);
