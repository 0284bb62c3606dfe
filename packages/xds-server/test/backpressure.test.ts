// A client that stops reading never holds up the others, and its pending updates coalesce to the latest state.
import { afterEach, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL, AuthorizationSchema } from '@ambient/api/security';
import type { DeltaDiscoveryResponse } from '@ambient/api/xds';
import { AdsProbe, eventually, RawGrpcStream, startServer } from './harness.js';
import { workload } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

const COUNT = 300;
const ROUNDS = 10;

/** Round r of the config: every workload changes, each about 2 KB, so one push is far above the stream window. */
const config = (round: number) => new Map(Array.from({ length: COUNT }, (_, i) => [`w${i}`, workload(`w${i}`, i % 250, `r${round}-${'h'.repeat(2000)}`)]));

function latest(responses: DeltaDiscoveryResponse[]): Map<string, string> {
  const held = new Map<string, string>();
  for (const r of responses) for (const res of r.resources) held.set(res.name, res.version);
  return held;
}

it('coalesces a stalled client and keeps pushing to the others', async () => {
  const f = await startServer();
  cleanups.push(() => f.stop());
  f.xds.setResources(ADDRESS_TYPE_URL, config(0));

  const slow = new RawGrpcStream(f);
  cleanups.push(() => slow.close());
  slow.send({ node: { id: 'slow' }, typeUrl: ADDRESS_TYPE_URL });
  slow.stream.pause();
  await eventually(() => expect(f.xds.writesByNode().get('slow')).toBe(1)); // its first response is in flight

  const fast = new AdsProbe(f);
  cleanups.push(() => fast.close());
  fast.send({ node: { id: 'fast' }, typeUrl: ADDRESS_TYPE_URL });
  const fastSeen: DeltaDiscoveryResponse[] = [await fast.next()];

  for (let round = 1; round <= ROUNDS; round++) {
    f.xds.setResources(ADDRESS_TYPE_URL, config(round));
    const want = f.xds.versionOf(ADDRESS_TYPE_URL, `w${COUNT - 1}`);
    while (latest(fastSeen).get(`w${COUNT - 1}`) !== want) fastSeen.push(await fast.next());
  }
  // The fast client got every round while the slow one still sits on its first response.
  const writes = f.xds.writesByNode();
  expect(writes.get('fast')).toBeGreaterThanOrEqual(ROUNDS);
  expect(writes.get('slow')).toBe(1);

  slow.stream.resume();
  const expected = new Map([...config(ROUNDS).keys()].map((name) => [name, f.xds.versionOf(ADDRESS_TYPE_URL, name)]));
  await eventually(() => expect(latest(slow.responses())).toEqual(expected));
  // Ten rounds of changes reached it as one coalesced response after the first.
  expect(slow.responses()).toHaveLength(2);
  expect(slow.responses()[1]?.resources).toHaveLength(COUNT);
});

it('gives every type its turn on a stream that is always behind', async () => {
  const f = await startServer();
  cleanups.push(() => f.stop());
  f.xds.setResources(ADDRESS_TYPE_URL, config(0));
  const slow = new RawGrpcStream(f);
  cleanups.push(() => slow.close());
  slow.send({ node: { id: 'slow' }, typeUrl: ADDRESS_TYPE_URL });
  slow.send({ typeUrl: AUTHORIZATION_TYPE_URL });
  slow.stream.pause();
  // Both types are open and the first Address response is stuck in flight (no sleeps: the machine may be busy).
  await eventually(() => expect(f.xds.syncStatus()[0]?.types).toEqual({
    [ADDRESS_TYPE_URL]: { status: 'STALE', nonce: expect.any(String) },
    [AUTHORIZATION_TYPE_URL]: { status: 'STALE', nonce: '' },
  }));
  expect(f.xds.writesByNode().get('slow')).toBe(1);
  // Address changes again before every write completes; the policy still goes out next.
  f.xds.setResources(ADDRESS_TYPE_URL, config(1));
  f.xds.upsert(AUTHORIZATION_TYPE_URL, 'ns/p', create(AuthorizationSchema, { name: 'p', namespace: 'ns' }));
  await new Promise((r) => setTimeout(r, 20)); // past the debounce window, so both changes are pending
  slow.stream.resume();
  await eventually(() => expect(slow.responses().length).toBeGreaterThanOrEqual(3));
  expect(slow.responses().slice(0, 3).map((r) => r.typeUrl)).toEqual([ADDRESS_TYPE_URL, AUTHORIZATION_TYPE_URL, ADDRESS_TYPE_URL]);
});
