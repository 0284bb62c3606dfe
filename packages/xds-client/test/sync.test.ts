// Our client against our server over real gRPC with TLS on loopback: sync, changes, NACKs, restarts, on-demand.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL, type Address } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL } from '@ambient/api/security';
import { addressType, authorizationType, XdsClient, type Batch, type ResourceType, type XdsClientOptions } from '../src/index.js';
import type { ResourceValue } from '@ambient/xds-server';
import { eventually, makeTls, quiet, startXds, type TestTls } from './harness.js';
import { addressAny, garbageAddress, policy, workload } from './fixtures.js';

let tls: TestTls;
const cleanups: (() => void)[] = [];
beforeAll(() => void (tls = makeTls()));
afterAll(() => tls.cleanup());
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

const node = { nodeName: 'node-a', podName: 'ztunnel-1', podNamespace: 'istio-system', instanceIps: ['10.0.0.9'] };

function client(address: string, extra: Partial<XdsClientOptions> = {}): XdsClient {
  const c = new XdsClient({ address, tls: { rootPem: tls.rootPem }, logger: quiet, node, types: [{ type: addressType }, { type: authorizationType }], ...extra });
  cleanups.push(() => c.close());
  return c;
}

async function server(options: Parameters<typeof startXds>[1] = {}, port = 0, seed?: Parameters<typeof startXds>[3]) {
  const s = await startXds(tls, options, port, seed);
  cleanups.push(() => s.stop());
  return s;
}

const addresses = (c: XdsClient) => [...c.snapshot(addressType).keys()].sort();

describe('client against server', () => {
  it('syncs, applies a change and a removal, and reports SYNCED', async () => {
    const s = await server();
    s.xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', workload('w1', '10.0.0.1')], ['w2', workload('w2', '10.0.0.2')]]));
    s.xds.setResources(AUTHORIZATION_TYPE_URL, new Map([['default/p', policy('default', 'p')]]));
    const batches: Batch[] = [];
    const c = client(s.address, { onBatch: (b) => void batches.push(b) });
    await c.ready();
    expect(addresses(c)).toEqual(['w1', 'w2']);
    expect(c.find(authorizationType, 'default/p')?.namespace).toBe('default');

    s.xds.upsert(ADDRESS_TYPE_URL, 'w1', workload('w1', '10.0.0.11'));
    s.xds.remove(ADDRESS_TYPE_URL, 'w2');
    await eventually(() => expect(addresses(c)).toEqual(['w1']));
    expect(ipOf(c.find(addressType, 'w1'))).toBe('10.0.0.11');
    // The change and the removal arrived as one batch: the debounce gathered them.
    expect(batches.at(-1)).toMatchObject({ typeUrl: ADDRESS_TYPE_URL, removed: ['w2'] });
    expect(batches.at(-1)?.changed.map((x) => x.name)).toEqual(['w1']);
    await eventually(() => expect(s.xds.syncStatus()).toEqual([{
      id: expect.stringMatching(/^ztunnel~10\.0\.0\.9~ztunnel-1\.istio-system~istio-system\.svc\.cluster\.local-\d+$/),
      node: c.nodeId,
      types: { [ADDRESS_TYPE_URL]: { status: 'SYNCED', nonce: expect.any(String) }, [AUTHORIZATION_TYPE_URL]: { status: 'SYNCED', nonce: expect.any(String) } },
    }]));
  });

  it('applies the good resources of a response and NACKs the bad one by name', async () => {
    const s = await server();
    s.xds.setResources(ADDRESS_TYPE_URL, new Map<string, ResourceValue>([['good1', addressAny(workload('good1', '10.0.0.1'))], ['bad', garbageAddress()], ['good2', workload('good2', '10.0.0.2')]]));
    const c = client(s.address);
    await c.ready();
    expect(addresses(c)).toEqual(['good1', 'good2']);
    await eventually(() => expect(s.xds.syncStatus()[0]?.types[ADDRESS_TYPE_URL]).toMatchObject({
      status: 'NACKED', error: expect.stringMatching(/^bad: undecodable istio\.workload\.Address/),
    }));
    // A fixed resource is accepted and the type is SYNCED again.
    s.xds.upsert(ADDRESS_TYPE_URL, 'bad', workload('bad', '10.0.0.3'));
    await eventually(() => expect(s.xds.syncStatus()[0]?.types[ADDRESS_TYPE_URL]?.status).toBe('SYNCED'));
    expect(addresses(c)).toEqual(['bad', 'good1', 'good2']);
  });

  it('after a server restart sends initial_resource_versions and receives only what changed', async () => {
    const first = await server();
    const state = new Map<string, ResourceValue>([['w1', workload('w1', '10.0.0.1')], ['w2', workload('w2', '10.0.0.2')], ['rejected', garbageAddress()]]);
    first.xds.setResources(ADDRESS_TYPE_URL, state);
    const batches: Batch[] = [];
    const c = client(first.address, { onBatch: (b) => void batches.push(b) });
    await c.ready();
    first.stop();
    await eventually(() => expect(c.connectionState().connected).toBe(false));

    batches.length = 0;
    const second = await server({}, first.port, (xds) =>
      xds.setResources(ADDRESS_TYPE_URL, new Map<string, ResourceValue>([['w1', workload('w1', '10.0.0.1')], ['w3', workload('w3', '10.0.0.3')], ['rejected', garbageAddress()]])));
    await eventually(() => expect(addresses(c)).toEqual(['w1', 'w3']));
    const changed = batches.flatMap((b) => b.changed.map((x) => x.name));
    const removed = batches.flatMap((b) => b.removed);
    expect(changed).toEqual(['w3']); // w1 was held at the same version: not resent
    expect(removed).toEqual(['w2']);
    // The rejected resource was left out of initial_resource_versions, so the new server resent it and it was NACKed again.
    await eventually(() => expect(second.xds.syncStatus()[0]?.types[ADDRESS_TYPE_URL]).toMatchObject({ status: 'NACKED', error: expect.stringMatching(/^rejected: /) }));
    expect(c.connectionState().attempts).toBeGreaterThanOrEqual(2);
  });

  it('looks resources up on demand and unsubscribes', async () => {
    const s = await server();
    s.xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', workload('w1', '10.0.0.1')], ['w2', workload('w2', '10.0.0.2')]]));
    const c = client(s.address, { types: [{ type: addressType, onDemand: true }] });
    await c.ready(); // on-demand only: nothing to wait for
    await eventually(() => expect(s.xds.syncStatus()[0]?.types[ADDRESS_TYPE_URL]?.status).toBe('SYNCED'));
    expect(addresses(c)).toEqual([]); // subscribed to nothing
    expect(ipOf(await c.fetch(addressType, 'w2'))).toBe('10.0.0.2');
    expect(await c.fetch(addressType, '/10.9.9.9')).toBeUndefined();
    expect(addresses(c)).toEqual(['w2']);

    // A watched name that appears later is pushed, because the subscription stays.
    const seen: string[] = [];
    c.watch(addressType, 'w3', { onChanged: (v) => seen.push(ipOf(v)), onRemoved: () => seen.push('removed'), onError: (e) => seen.push(e.message) });
    await eventually(() => expect(seen).toEqual(['removed']));
    s.xds.upsert(ADDRESS_TYPE_URL, 'w3', workload('w3', '10.0.0.3'));
    await eventually(() => expect(seen).toEqual(['removed', '10.0.0.3']));

    // Unsubscribing drops the cached value at once (the server side of it is in xds-server's tests).
    c.unsubscribe(addressType, 'w2');
    expect(c.find(addressType, 'w2')).toBeUndefined();
    s.xds.upsert(ADDRESS_TYPE_URL, 'w3', workload('w3', '10.0.0.33'));
    await eventually(() => expect(seen).toEqual(['removed', '10.0.0.3', '10.0.0.33']));
    expect(() => c.subscribe(authorizationType, 'x')).toThrow(/not registered/);
  });

  it('looks a workload up by address through its alias', async () => {
    const s = await server();
    s.xds.upsert(ADDRESS_TYPE_URL, 'Kubernetes//Pod/default/a', { resource: workload('Kubernetes//Pod/default/a', '10.0.0.1'), aliases: ['/10.0.0.1'] });
    const c = client(s.address, { types: [{ type: addressType, onDemand: true }] });
    expect(ipOf(await c.fetch(addressType, '/10.0.0.1'))).toBe('10.0.0.1');
    expect(addresses(c)).toEqual(['Kubernetes//Pod/default/a']);
  });

  it('resubscribes its on-demand names after a reconnect', async () => {
    const first = await server();
    first.xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', workload('w1', '10.0.0.1')], ['w2', workload('w2', '10.0.0.2')]]));
    const c = client(first.address, { types: [{ type: addressType, onDemand: true }] });
    expect(ipOf(await c.fetch(addressType, 'w1'))).toBe('10.0.0.1');
    first.stop();
    await server({}, first.port, (xds) => xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', workload('w1', '10.0.0.11')], ['w2', workload('w2', '10.0.0.2')]])));
    await eventually(() => expect(ipOf(c.find(addressType, 'w1'))).toBe('10.0.0.11'));
    expect(addresses(c)).toEqual(['w1']); // still only what it asked for
  });

  it('calls watchers: changed, removed, does-not-exist, and replays the cache to a late watcher', async () => {
    const s = await server();
    s.xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', workload('w1', '10.0.0.1')]]));
    const c = client(s.address);
    const events: string[] = [];
    const watcher = (tag: string) => ({
      onChanged: (v: Address) => events.push(`${tag} changed ${ipOf(v)}`),
      onRemoved: (n: string) => events.push(`${tag} removed ${n}`),
      onError: (e: Error) => events.push(`${tag} error ${e.message}`),
    });
    c.watch(addressType, 'w1', watcher('early'));
    c.watch(addressType, 'nope', watcher('early'));
    await c.ready();
    expect(events.sort()).toEqual(['early changed 10.0.0.1', 'early removed nope']);
    events.length = 0;
    c.watch(addressType, 'w1', watcher('late'));
    await eventually(() => expect(events).toEqual(['late changed 10.0.0.1']));
    s.xds.upsert(ADDRESS_TYPE_URL, 'w1', garbageAddress());
    await eventually(() => expect(events.slice(1)).toEqual([expect.stringMatching(/^early error resource w1 was rejected/), expect.stringMatching(/^late error/)]));
    expect(ipOf(c.find(addressType, 'w1'))).toBe('10.0.0.1'); // the rejected update left the old value
    s.xds.remove(ADDRESS_TYPE_URL, 'w1');
    await eventually(() => expect(events.slice(3)).toEqual(['early removed w1', 'late removed w1']));
  });

  it('lets a consumer register a stricter decode and refuse resources from its batch hook', async () => {
    const s = await server();
    s.xds.setResources(AUTHORIZATION_TYPE_URL, new Map([['ns/ok', policy('ns', 'ok')], ['ns/strict', policy('ns', 'strict')], ['ns/writer', policy('ns', 'writer')]]));
    const strict: ResourceType<string> = {
      typeUrl: AUTHORIZATION_TYPE_URL,
      decode: (any) => {
        const r = authorizationType.decode(any);
        if ('error' in r) return r;
        return r.value.name === 'strict' ? { error: 'policy named strict is not allowed' } : { value: `${r.value.namespace}/${r.value.name}` };
      },
      equal: (a, b) => a === b,
    };
    const c = client(s.address, {
      types: [{ type: strict }],
      onBatch: (b) => new Map(b.changed.filter((x) => x.name === 'ns/writer').map((x) => [x.name, 'the store refused it'])),
    });
    await c.ready();
    expect([...c.snapshot(strict).values()]).toEqual(['ns/ok']);
    await eventually(() => expect(s.xds.syncStatus()[0]?.types[AUTHORIZATION_TYPE_URL]?.error).toBe('ns/strict: policy named strict is not allowed; ns/writer: the store refused it'));
  });

  it('sends the bearer token and cluster id, and retries with backoff when refused', async () => {
    const seen: string[] = [];
    const s = await server({
      authenticate: (md) => {
        seen.push(`${String(md.get('authorization')[0])} ${String(md.get('clusterid')[0])}`);
        return seen.length < 3 ? { refusal: 'token expired' } : { identity: 'ztunnel' };
      },
    });
    s.xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', workload('w1', '10.0.0.1')]]));
    let tokens = 0;
    const c = client(s.address, { token: () => `tok-${++tokens}`, node: { ...node, clusterId: 'Kubernetes' } });
    await c.ready();
    expect(seen).toEqual(['Bearer tok-1 Kubernetes', 'Bearer tok-2 Kubernetes', 'Bearer tok-3 Kubernetes']);
    expect(c.connectionState()).toMatchObject({ connected: true, attempts: 3, lastError: { code: 16, details: 'token expired' } });
  });
});

function ipOf(a: Address | undefined): string {
  return a?.type.case === 'workload' ? [...(a.type.value.addresses[0] ?? [])].join('.') : 'none';
}
