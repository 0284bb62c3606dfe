// istiod answers an on-demand lookup by address with the pod-keyed resource and the address as an alias (§3.4).
import { create } from '@bufbuild/protobuf';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { DeltaDiscoveryResponseSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse } from '@ambient/api/xds';
import { aggregatedDiscoveryService } from '@ambient/grpc';
import { addressType, XdsClient } from '../src/index.js';
import { eventually, makeTls, quiet, scripted, startGrpc, type TestTls } from './harness.js';
import { addressAny, workload } from './fixtures.js';

let tls: TestTls;
beforeAll(() => void (tls = makeTls()));
afterAll(() => tls.cleanup());

const POD = 'Kubernetes//Pod/default/a';

it('keys by the returned name and answers lookups and watchers of the alias', async () => {
  const requests: DeltaDiscoveryRequest[] = [];
  let call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> | undefined;
  const s = await startGrpc(tls, scripted(aggregatedDiscoveryService, (c: typeof call & object) => {
    call = c;
    c.on('data', (req: DeltaDiscoveryRequest) => {
      requests.push(req);
      if (!req.responseNonce && req.resourceNamesSubscribe.includes('*')) c.write(create(DeltaDiscoveryResponseSchema, { typeUrl: ADDRESS_TYPE_URL, nonce: 'open' }));
      if (req.resourceNamesSubscribe.includes('/10.0.0.1')) {
        c.write(create(DeltaDiscoveryResponseSchema, {
          typeUrl: ADDRESS_TYPE_URL, nonce: 'found',
          resources: [{ name: POD, version: '1', aliases: ['/10.0.0.1'], resource: addressAny(workload(POD, '10.0.0.1')) }],
        }));
      }
    });
  }));
  const client = new XdsClient({ address: s.address, tls: { rootPem: tls.rootPem }, logger: quiet, node: { nodeName: 'n', podName: 'p', podNamespace: 'ns' }, types: [{ type: addressType, onDemand: true }] });
  try {
    const found = await client.fetch(addressType, '/10.0.0.1');
    expect(found?.type.case === 'workload' && found.type.value.uid).toBe(POD);
    expect([...client.snapshot(addressType).keys()]).toEqual([POD]);
    expect(client.find(addressType, '/10.0.0.1')).toBe(client.find(addressType, POD));

    const events: string[] = [];
    client.watch(addressType, '/10.0.0.1', { onChanged: (_v, n) => events.push(`changed ${n}`), onRemoved: (n) => events.push(`removed ${n}`), onError: (e) => events.push(e.message) });
    await eventually(() => expect(events).toEqual(['changed /10.0.0.1']));
    call?.write(create(DeltaDiscoveryResponseSchema, { typeUrl: ADDRESS_TYPE_URL, nonce: 'gone', removedResources: [POD] }));
    await eventually(() => expect(events).toEqual(['changed /10.0.0.1', 'removed /10.0.0.1']));
    expect(client.find(addressType, '/10.0.0.1')).toBeUndefined();
    await eventually(() => expect(requests.filter((r) => r.responseNonce).map((r) => [r.responseNonce, r.errorDetail?.message])).toEqual([['open', undefined], ['found', undefined], ['gone', undefined]]));
  } finally {
    client.close();
    s.stop();
  }
});
