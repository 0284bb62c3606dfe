// On-demand lookups by a key several resources share (istiod answers a lookup by service VIP with the service and
// its workloads, §3.4): every resource under the key comes back under its own name, the key itself is never reported
// removed while anything stands for it, and a later workload under the key follows.
import { afterEach, describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { AdsProbe, startServer, type Fixture } from './harness.js';
import { nameOf, workload } from './fixtures.js';

const NODE = { id: 'ztunnel~10.0.0.9~z.istio-system~istio-system.svc.cluster.local' };
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

async function fixture(): Promise<{ f: Fixture; p: AdsProbe }> {
  const f = await startServer({});
  cleanups.push(() => f.stop());
  f.xds.upsert(ADDRESS_TYPE_URL, 'ns/svc.example', { resource: workload('ns/svc.example', 1), aliases: ['/10.96.0.1'] });
  f.xds.upsert(ADDRESS_TYPE_URL, 'pod-a', { resource: workload('pod-a', 2), aliases: ['/10.0.0.2', '/10.96.0.1', 'ns/svc.example'] });
  f.xds.upsert(ADDRESS_TYPE_URL, 'other', { resource: workload('other', 3), aliases: ['/10.0.0.3'] });
  const p = new AdsProbe(f);
  cleanups.push(() => p.close());
  return { f, p };
}

describe('on-demand lookup by a shared alias', () => {
  it('answers a VIP with the service and its workloads, and follows a workload added under it', async () => {
    const { f, p } = await fixture();
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['*'], resourceNamesUnsubscribe: ['*'] });
    const opener = await p.next();
    expect(opener.resources).toEqual([]);
    p.send({ typeUrl: ADDRESS_TYPE_URL, responseNonce: opener.nonce, resourceNamesSubscribe: ['/10.96.0.1'] });
    const answer = await p.next();
    expect(answer.resources.map(nameOf).sort()).toEqual(['ns/svc.example', 'pod-a']);
    expect(answer.removedResources).toEqual([]);
    f.xds.upsert(ADDRESS_TYPE_URL, 'pod-b', { resource: workload('pod-b', 4), aliases: ['/10.0.0.4', '/10.96.0.1'] });
    const later = await p.next();
    expect(later.resources.map(nameOf)).toEqual(['pod-b']);
  });

  it('answers a service name with the service and the workloads that carry the name as an alias', async () => {
    const { p } = await fixture();
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['*', 'ns/svc.example'], resourceNamesUnsubscribe: ['*'] });
    const answer = await p.next();
    expect(answer.resources.map(nameOf).sort()).toEqual(['ns/svc.example', 'pod-a']);
    expect(answer.removedResources).toEqual([]);
  });

  it('reports an alias nothing stands for as removed, so the lookup ends', async () => {
    const { p } = await fixture();
    p.send({ node: NODE, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['*', '/10.9.9.9'], resourceNamesUnsubscribe: ['*'] });
    const answer = await p.next();
    expect(answer.resources).toEqual([]);
    expect(answer.removedResources).toEqual(['/10.9.9.9']);
  });
});
