// The pure pieces: node identity (§3.3), backoff (§3.1), response decoding and the NACK message (§3.2).
import { create } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { DeltaDiscoveryResponseSchema } from '@ambient/api/xds';
import { hasCode } from '@ambient/core';
import { addressType, Backoff, buildNode, metadataFromEnv, nackMessage, nodeId, retriesImmediately } from '../src/index.js';
import { decodeResponse } from '../src/response.js';
import { addressAny, garbageAddress, workload } from './fixtures.js';

describe('node', () => {
  const base = { nodeName: 'kind-worker', podName: 'ztunnel-x', podNamespace: 'istio-system' };

  it('builds the id istiod parses as a ztunnel', () => {
    expect(nodeId({ ...base, instanceIps: ['10.1.2.3', 'fd00::1'] })).toBe('ztunnel~10.1.2.3~ztunnel-x.istio-system~istio-system.svc.cluster.local');
    expect(nodeId(base)).toBe('ztunnel~1.1.1.1~ztunnel-x.istio-system~istio-system.svc.cluster.local');
  });

  it('carries NAME, NAMESPACE, INSTANCE_IPS, NODE_NAME, CLUSTER_ID and extra metadata', () => {
    const node = buildNode({ ...base, instanceIps: ['10.1.2.3', 'fd00::1'], clusterId: 'Kubernetes', metadata: { ISTIO_VERSION: '1.28', LABELS: { a: 'b' }, NAME: 'ignored' } });
    expect(node.metadata).toEqual({
      ISTIO_VERSION: '1.28', LABELS: { a: 'b' }, NAME: 'ztunnel-x', NAMESPACE: 'istio-system',
      INSTANCE_IPS: '10.1.2.3,fd00::1', NODE_NAME: 'kind-worker', CLUSTER_ID: 'Kubernetes',
    });
  });

  it('names the empty option', () => {
    expect(() => buildNode({ ...base, podNamespace: '' })).toThrow(/podNamespace is empty/);
  });

  it('reads ISTIO_META_* as strings and ISTIO_METAJSON_* as JSON', () => {
    expect(metadataFromEnv({ ISTIO_META_DNS_CAPTURE: 'true', ISTIO_METAJSON_LABELS: '{"app":"x"}', PATH: '/bin' })).toEqual({ DNS_CAPTURE: 'true', LABELS: { app: 'x' } });
    let err: unknown;
    try {
      metadataFromEnv({ ISTIO_METAJSON_LABELS: '{app' });
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'XDS_CLIENT_ERR_BAD_OPTIONS')).toBe(true);
    expect(String(err)).toMatch(/ISTIO_METAJSON_LABELS is not valid JSON/);
  });
});

describe('backoff', () => {
  it('starts at 10 ms, doubles, caps at 15 s and resets', () => {
    const b = new Backoff();
    const delays = Array.from({ length: 13 }, () => b.next());
    expect(delays.slice(0, 4)).toEqual([10, 20, 40, 80]);
    expect(delays.at(-1)).toBe(15_000);
    b.reset();
    expect(b.next()).toBe(10);
  });

  it.each([
    [status.UNKNOWN, '', true],
    [status.CANCELLED, '', true],
    [status.DEADLINE_EXCEEDED, '', true],
    [status.UNAVAILABLE, 'Connection dropped: transport is closing', true],
    [status.INTERNAL, 'Received RST_STREAM after GOAWAY', true],
    [status.UNAVAILABLE, 'No connection established', false],
    [status.UNAUTHENTICATED, 'bad token', false],
  ])('code %s "%s" retries immediately: %s', (code, details, immediate) => {
    expect(retriesImmediately({ code, details })).toBe(immediate);
  });
});

describe('decodeResponse', () => {
  it('keeps good resources, rejects bad ones by name and reads removals', () => {
    const response = create(DeltaDiscoveryResponseSchema, {
      typeUrl: addressType.typeUrl,
      resources: [
        { name: 'good', version: 'v1', resource: addressAny(workload('good', '10.0.0.1')) },
        { name: 'bad', version: 'v1', resource: garbageAddress() },
        { name: 'empty', version: 'v1' },
        { name: '', resource: addressAny(workload('x', '10.0.0.2')) },
      ],
      removedResources: ['gone'],
    });
    const d = decodeResponse(addressType, response);
    expect(d.changed.map((c) => [c.name, c.version])).toEqual([['good', 'v1']]);
    expect([...d.rejected.keys()]).toEqual(['bad', 'empty', '(unnamed)']);
    expect(d.removed).toEqual(['gone']);
    expect(nackMessage(d.rejected)).toMatch(/^bad: undecodable istio.workload.Address.*; empty: resource has no body; \(unnamed\): resource has no name$/);
  });
});
