// The server over real gRPC with TLS: subscriptions, versions, ACK/NACK status, debounce, authentication, bad input.
import { afterEach, describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL } from '@ambient/api/security';
import { AdsProbe, eventually, RawGrpcStream, startServer, type Fixture } from './harness.js';
import { nameOf, workload } from './fixtures.js';

const NODE = { id: 'ztunnel~10.0.0.9~z.istio-system~istio-system.svc.cluster.local' };
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

async function fixture(options: Parameters<typeof startServer>[0] = {}): Promise<Fixture> {
  const f = await startServer(options);
  cleanups.push(() => f.stop());
  f.xds.setResources(ADDRESS_TYPE_URL, new Map([['w1', workload('w1', 1)], ['w2', workload('w2', 2)]]));
  return f;
}

function probe(f: Fixture, token?: string): AdsProbe {
  const p = new AdsProbe(f, token);
  cleanups.push(() => p.close());
  return p;
}

const typeStatus = (f: Fixture, typeUrl = ADDRESS_TYPE_URL) => f.xds.syncStatus()[0]?.types[typeUrl];

describe('delta ADS server', () => {
  it('serves a wildcard subscription and tracks STALE, SYNCED and NACKED per type', async () => {
    const f = await fixture();
    const p = probe(f);
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL });
    const first = await p.next();
    expect(first.resources.map(nameOf).sort()).toEqual(['w1', 'w2']);
    expect(first.resources[0]?.version).toBe(f.xds.versionOf(ADDRESS_TYPE_URL, first.resources[0]?.name ?? ''));
    expect(f.xds.syncStatus()).toEqual([{ id: `${NODE.id}-1`, node: NODE.id, types: { [ADDRESS_TYPE_URL]: { status: 'STALE', nonce: first.nonce } } }]);
    p.send({ typeUrl: ADDRESS_TYPE_URL, responseNonce: first.nonce });
    await eventually(() => expect(typeStatus(f)).toEqual({ status: 'SYNCED', nonce: first.nonce }));

    f.xds.upsert(ADDRESS_TYPE_URL, 'w1', workload('w1', 11));
    const second = await p.next();
    expect(second.resources.map(nameOf)).toEqual(['w1']);
    expect(typeStatus(f)?.status).toBe('STALE');
    p.send({ typeUrl: ADDRESS_TYPE_URL, responseNonce: first.nonce }); // a late ACK of an older nonce changes nothing
    p.send({ typeUrl: ADDRESS_TYPE_URL, responseNonce: second.nonce, errorDetail: { code: 3, message: 'w1: bad' } });
    await eventually(() => expect(typeStatus(f)).toEqual({ status: 'NACKED', nonce: second.nonce, error: 'w1: bad' }));
  });

  it('names the proxy\'s cluster and version from its node metadata, and this server as its control plane', async () => {
    const f = await fixture({ controlPlaneId: 'ambientd' });
    const p = probe(f);
    p.send({ node: { ...NODE, metadata: { CLUSTER_ID: 'Kubernetes', ISTIO_VERSION: '0.0.0', NAME: 'z' } }, typeUrl: ADDRESS_TYPE_URL });
    await p.next();
    expect(f.xds.syncStatus()[0]).toMatchObject({ node: NODE.id, cluster: 'Kubernetes', version: '0.0.0', controlPlane: 'ambientd' });
  });

  it('honours initial_resource_versions: skips what the client holds, removes what it should not', async () => {
    const f = await fixture();
    const p = probe(f);
    const held = { w1: f.xds.versionOf(ADDRESS_TYPE_URL, 'w1') ?? '', w2: 'old', gone: 'v' };
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL, initialResourceVersions: held });
    const r = await p.next();
    expect(r.resources.map(nameOf)).toEqual(['w2']);
    expect(r.removedResources).toEqual(['gone']);
  });

  it('serves on-demand names, answers missing ones with a removal and stops after unsubscribe', async () => {
    const f = await fixture();
    const p = probe(f);
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['*'], resourceNamesUnsubscribe: ['*'] });
    const opener = await p.next();
    expect([opener.resources.length, opener.removedResources.length]).toEqual([0, 0]);
    p.send({ typeUrl: ADDRESS_TYPE_URL, responseNonce: opener.nonce, resourceNamesSubscribe: ['w1', '/10.9.9.9'] });
    const answer = await p.next();
    expect(answer.resources.map(nameOf)).toEqual(['w1']);
    expect(answer.removedResources).toEqual(['/10.9.9.9']);
    p.send({ typeUrl: ADDRESS_TYPE_URL, responseNonce: answer.nonce, resourceNamesUnsubscribe: ['w1'] });
    p.send({ typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['w2'] }); // ordered after the unsubscribe on the stream
    expect((await p.next()).resources.map(nameOf)).toEqual(['w2']);
    f.xds.upsert(ADDRESS_TYPE_URL, 'w1', workload('w1', 11));
    f.xds.upsert(ADDRESS_TYPE_URL, 'w2', workload('w2', 22));
    const push = await p.next();
    expect(push.resources.map(nameOf)).toEqual(['w2']); // w1 changed too, but is no longer subscribed
    expect(p.queued).toBe(0);
  });

  it('answers an on-demand lookup by alias with the resource under its own name', async () => {
    const f = await fixture();
    f.xds.upsert(ADDRESS_TYPE_URL, 'w1', { resource: workload('w1', 1), aliases: ['/10.0.0.1'] });
    const byName = probe(f);
    byName.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['*', 'w1'], resourceNamesUnsubscribe: ['*'] });
    const opener = await byName.next();
    expect(opener.resources.map(nameOf)).toEqual(['w1']);
    // Already held at this version, but the client only learns the alias from a response: sent again.
    byName.send({ typeUrl: ADDRESS_TYPE_URL, responseNonce: opener.nonce, resourceNamesSubscribe: ['/10.0.0.1'] });
    expect((await byName.next()).resources.map((r) => [r.name, r.aliases])).toEqual([['w1', ['/10.0.0.1']]]);

    const byAlias = probe(f);
    byAlias.send({ node: { id: 'other' }, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['*', '/10.0.0.1'], resourceNamesUnsubscribe: ['*'] });
    expect((await byAlias.next()).resources.map(nameOf)).toEqual(['w1']);
    // The address moves to another workload: a stream that asked only by address loses the old one, gets the new.
    f.xds.upsert(ADDRESS_TYPE_URL, 'w1', workload('w1', 1));
    f.xds.upsert(ADDRESS_TYPE_URL, 'w9', { resource: workload('w9', 1), aliases: ['/10.0.0.1'] });
    const moved = await byAlias.next();
    expect(moved.resources.map(nameOf)).toEqual(['w9']);
    expect(moved.removedResources).toEqual(['w1']);
  });

  it('debounces: changes within the window go out as one response', async () => {
    const f = await fixture({ debounceMs: 50 });
    const p = probe(f);
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL });
    await p.next();
    f.xds.upsert(ADDRESS_TYPE_URL, 'w1', workload('w1', 11));
    f.xds.remove(ADDRESS_TYPE_URL, 'w2');
    f.xds.upsert(ADDRESS_TYPE_URL, 'w3', workload('w3', 3));
    f.xds.upsert(ADDRESS_TYPE_URL, 'w1', workload('w1', 12)); // coalesces with the first change of w1
    const r = await p.next();
    expect(r.resources.map(nameOf).sort()).toEqual(['w1', 'w3']);
    expect(r.removedResources).toEqual(['w2']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(p.queued).toBe(0);
  });

  it('keeps types apart and answers an empty or unknown type at once', async () => {
    const f = await fixture();
    const p = probe(f);
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL });
    p.send({ typeUrl: AUTHORIZATION_TYPE_URL });
    p.send({ typeUrl: 'type.googleapis.com/unknown.Kind' });
    const got = [await p.next(), await p.next(), await p.next()];
    expect(got.map((r) => [r.typeUrl, r.resources.length])).toEqual([[ADDRESS_TYPE_URL, 2], [AUTHORIZATION_TYPE_URL, 0], ['type.googleapis.com/unknown.Kind', 0]]);
    expect(Object.keys(f.xds.syncStatus()[0]?.types ?? {})).toEqual([ADDRESS_TYPE_URL, AUTHORIZATION_TYPE_URL, 'type.googleapis.com/unknown.Kind']);
  });

  it('runs the authentication hook with the metadata and peer, and refuses with its reason', async () => {
    const calls: string[] = [];
    const f = await fixture({
      authenticate: (md, peer) => {
        calls.push(`${String(md.get('authorization')[0])} ${String(md.get('clusterid')[0])} ${peer.startsWith('127.0.0.1:') ? 'loopback' : peer}`);
        return md.get('authorization')[0] === 'Bearer good' ? { identity: 'ztunnel' } : { refusal: 'token signature invalid' };
      },
    });
    const bad = probe(f, 'bad');
    bad.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL });
    expect(await bad.status).toMatchObject({ code: 16, details: 'token signature invalid' });
    const good = probe(f, 'good');
    good.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL });
    expect((await good.next()).resources).toHaveLength(2);
    expect(calls).toEqual(['Bearer bad Kubernetes loopback', 'Bearer good Kubernetes loopback']);
  });

  it('fails the stream with INTERNAL when the hook throws', async () => {
    const f = await fixture({ authenticate: () => { throw new Error('key store unavailable'); } });
    const p = probe(f);
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL });
    expect(await p.status).toMatchObject({ code: 13, details: 'authentication failed on the server' });
  });

  it('ends a stream whose request has no type_url with INVALID_ARGUMENT', async () => {
    const f = await fixture();
    const p = probe(f);
    p.send({ node: NODE });
    expect(await p.status).toMatchObject({ code: 3, details: expect.stringMatching(/request without type_url/) });
  });

  it('survives a client that sends garbage and keeps serving the others', async () => {
    const f = await fixture();
    const raw = new RawGrpcStream(f);
    cleanups.push(() => raw.close());
    raw.sendBytes(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    expect(await raw.grpcStatus()).toBe(13);
    const p = probe(f);
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL });
    expect((await p.next()).resources).toHaveLength(2);
    expect(f.xds.syncStatus()).toHaveLength(1);
  });

  it('forgets a stream once the client goes away', async () => {
    const f = await fixture();
    const p = probe(f);
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL });
    await p.next();
    expect(f.xds.syncStatus()).toHaveLength(1);
    p.close();
    await eventually(() => expect(f.xds.syncStatus()).toHaveLength(0));
  });
});
