// Servers that misbehave: an unknown type, garbage on the stream, silence, and a wrong-typed Any.
import { create } from '@bufbuild/protobuf';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { DeltaDiscoveryResponseSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse } from '@ambient/api/xds';
import { aggregatedDiscoveryService } from '@ambient/grpc';
import { hasCode } from '@ambient/core';
import { addressType, XdsClient } from '../src/index.js';
import { eventually, makeTls, quiet, scripted, startGrpc, startXds, type TestTls } from './harness.js';
import { addressAny, workload, wrongTypeAny } from './fixtures.js';

type Call = ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

let tls: TestTls;
const cleanups: (() => void)[] = [];
beforeAll(() => void (tls = makeTls()));
afterAll(() => tls.cleanup());
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

const node = { nodeName: 'n', podName: 'p', podNamespace: 'ns' };

function client(address: string, onDemand = false): XdsClient {
  const c = new XdsClient({ address, tls: { rootPem: tls.rootPem }, logger: quiet, node, types: [{ type: addressType, onDemand }], backoff: { initialMs: 5, maxMs: 20 } });
  cleanups.push(() => c.close());
  return c;
}

async function start(setup: Parameters<typeof startGrpc>[1]) {
  const s = await startGrpc(tls, setup);
  cleanups.push(() => s.stop());
  return s;
}

describe('client facing a bad server', () => {
  it('NACKs a response of a type it never subscribed to and stays usable', async () => {
    const requests: DeltaDiscoveryRequest[] = [];
    const s = await start(scripted(aggregatedDiscoveryService, (call: Call) => {
      call.on('data', (req: DeltaDiscoveryRequest) => {
        requests.push(req);
        if (req.responseNonce) return;
        call.write(create(DeltaDiscoveryResponseSchema, { typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', nonce: 'n1' }));
        call.write(create(DeltaDiscoveryResponseSchema, { typeUrl: ADDRESS_TYPE_URL, nonce: 'n2', resources: [{ name: 'w', version: '1', resource: addressAny(workload('w', '10.0.0.1')) }] }));
      });
    }));
    const c = client(s.address);
    await c.ready();
    await eventually(() => expect(requests).toHaveLength(3));
    expect(requests[1]).toMatchObject({ responseNonce: 'n1', errorDetail: { message: 'unknown type URL type.googleapis.com/envoy.config.cluster.v3.Cluster' } });
    expect(requests[2]?.responseNonce).toBe('n2');
    expect(requests[2]?.errorDetail).toBeUndefined();
    expect(c.find(addressType, 'w')).toBeDefined();
  });

  it('rejects a wrong-typed Any by name', async () => {
    const s = await startXds(tls);
    cleanups.push(() => s.stop());
    s.xds.setResources(ADDRESS_TYPE_URL, new Map([['w', wrongTypeAny()]]));
    const c = client(s.address);
    await c.ready();
    expect(c.find(addressType, 'w')).toBeUndefined();
    await eventually(() => expect(s.xds.syncStatus()[0]?.types[ADDRESS_TYPE_URL]?.error).toMatch(/^w: wrong type: expected type.googleapis.com\/istio.workload.Address, got type.googleapis.com\/istio.security.Authorization$/));
  });

  it('survives a stream that sends garbage: reports the error and reconnects', async () => {
    const garbage = { deltaAggregatedResources: { ...aggregatedDiscoveryService.deltaAggregatedResources, responseSerialize: () => Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]) } };
    let streams = 0;
    const s = await start(scripted(garbage, (call: Call) => {
      streams++;
      call.on('data', () => call.write(create(DeltaDiscoveryResponseSchema, {})));
    }));
    const c = client(s.address);
    const errors: string[] = [];
    c.watch(addressType, 'w', { onChanged: () => errors.push('changed'), onRemoved: () => errors.push('removed'), onError: (e) => errors.push(e.code) });
    await eventually(() => expect(streams).toBeGreaterThanOrEqual(3));
    expect(c.connectionState()).toMatchObject({ connected: false, lastError: { code: 13 } });
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(new Set(errors)).toEqual(new Set(['XDS_CLIENT_ERR_STREAM']));
  });

  it('keeps waiting on a server that never answers, and a lookup times out with a typed error', async () => {
    let opened = 0;
    const s = await start(scripted(aggregatedDiscoveryService, () => void opened++));
    const c = client(s.address, true);
    await eventually(() => expect(opened).toBe(1));
    let err: unknown;
    await c.fetch(addressType, 'w', 200).catch((e: unknown) => (err = e));
    expect(hasCode(err, 'XDS_CLIENT_ERR_TIMEOUT')).toBe(true);
    expect(String(err)).toMatch(/no answer for type.googleapis.com\/istio.workload.Address w within 200 ms/);
    expect(c.connectionState()).toMatchObject({ connected: false, attempts: 1 });

    const wildcard = client(s.address);
    const outcome = await Promise.race([wildcard.ready().then(() => 'ready'), new Promise((r) => setTimeout(r, 200, 'still waiting'))]);
    expect(outcome).toBe('still waiting');
  });

  it('backs off against an address where nothing listens', async () => {
    const s = await start(() => undefined);
    const address = s.address;
    s.stop();
    const c = client(address);
    await eventually(() => expect(c.connectionState().attempts).toBeGreaterThanOrEqual(3));
    expect(c.connectionState()).toMatchObject({ connected: false, lastError: { code: 14 } });
  });

  it('retries when the token cannot be read, then connects', async () => {
    const s = await startXds(tls);
    cleanups.push(() => s.stop());
    let reads = 0;
    const c = new XdsClient({
      address: s.address, tls: { rootPem: tls.rootPem }, logger: quiet, node, types: [{ type: addressType }], backoff: { initialMs: 5, maxMs: 20 },
      token: () => {
        if (++reads < 3) throw new Error('ENOENT: /var/run/secrets/tokens/istio-token');
        return 'tok';
      },
    });
    cleanups.push(() => c.close());
    await c.ready();
    expect(reads).toBe(3);
    expect(c.connectionState()).toMatchObject({ connected: true, attempts: 3, lastError: { code: 16, details: expect.stringMatching(/token unavailable: ENOENT/) } });
  });

  it('fails pending and later lookups with a typed error once closed', async () => {
    let opened = 0;
    const s = await start(scripted(aggregatedDiscoveryService, () => void opened++));
    const c = client(s.address, true);
    const pending = c.fetch(addressType, 'w').catch((e: unknown) => e);
    await eventually(() => expect(opened).toBe(1));
    c.close();
    expect(hasCode(await pending, 'XDS_CLIENT_ERR_CLOSED')).toBe(true);
    expect(hasCode(await c.fetch(addressType, 'w').catch((e: unknown) => e), 'XDS_CLIENT_ERR_CLOSED')).toBe(true);
    expect(() => c.subscribe(addressType, 'x')).toThrow(/was closed/);
    expect(c.find(addressType, 'w')).toBeUndefined(); // the cache stays readable
  });

  it('verifies the server certificate by the configured name when dialling an address (ALT_XDS_HOSTNAME)', async () => {
    const named = makeTls('DNS:istiod.istio-system.svc');
    cleanups.push(() => named.cleanup());
    const s = await startXds(named);
    cleanups.push(() => s.stop());
    const make = (serverName?: string) => {
      const c = new XdsClient({ address: s.address, tls: { rootPem: named.rootPem, ...(serverName ? { serverName } : {}) }, logger: quiet, node, types: [{ type: addressType }], backoff: { initialMs: 5, maxMs: 20 } });
      cleanups.push(() => c.close());
      return c;
    };
    await make('istiod.istio-system.svc').ready();
    const unnamed = make();
    await eventually(() => expect(unnamed.connectionState().attempts).toBeGreaterThanOrEqual(2));
    expect(unnamed.connectionState()).toMatchObject({ connected: false, lastError: { code: 14 } });
  });

  it('refuses bad options with typed errors', () => {
    expect(() => new XdsClient({ address: '127.0.0.1:1', tls: { rootPem: tls.rootPem }, node, types: [] })).toThrow(/no resource types registered/);
    expect(() => new XdsClient({ address: '127.0.0.1:1', tls: { rootPem: tls.rootPem }, node, types: [{ type: addressType }, { type: addressType }] })).toThrow(/registered twice/);
    const c = client('127.0.0.1:1');
    expect(() => c.subscribe(addressType, 'x')).toThrow(/subscribed by wildcard/);
  });
});
