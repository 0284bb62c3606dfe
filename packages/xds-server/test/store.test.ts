// Resource storage, content versions and the hand-written response encoding, checked against protobuf-es.
import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { anyPack, anyUnpack, AnySchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL, AddressSchema } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL, AuthorizationSchema } from '@ambient/api/security';
import { DeltaDiscoveryResponseSchema, ResourceSchema } from '@ambient/api/xds';
import { hasCode } from '@ambient/core';
import { encodePush } from '../src/response-encoder.js';
import { ResourceStore } from '../src/resource-store.js';
import { workload } from './fixtures.js';

describe('ResourceStore', () => {
  const store = () => new ResourceStore([AddressSchema, AuthorizationSchema]);

  it('versions by content: same bytes, same version; a message and its Any agree', () => {
    const s = store();
    expect(s.upsert(ADDRESS_TYPE_URL, 'w', workload('w', 1))).toBe(true);
    const v1 = s.get(ADDRESS_TYPE_URL, 'w')?.version;
    expect(s.upsert(ADDRESS_TYPE_URL, 'w', anyPack(AddressSchema, workload('w', 1)))).toBe(false);
    expect(s.upsert(ADDRESS_TYPE_URL, 'w', workload('w', 2))).toBe(true);
    expect(s.get(ADDRESS_TYPE_URL, 'w')?.version).not.toBe(v1);
    expect(v1).toMatch(/^[\w-]{16}$/);
  });

  it('encodes each resource once as an envoy Resource', () => {
    const s = store();
    s.upsert(ADDRESS_TYPE_URL, 'w', workload('w', 1));
    const stored = s.get(ADDRESS_TYPE_URL, 'w');
    const r = fromBinary(ResourceSchema, stored?.encoded ?? new Uint8Array());
    expect(r.name).toBe('w');
    expect(r.version).toBe(stored?.version);
    expect(r.resource && anyUnpack(r.resource, AddressSchema)?.type.case).toBe('workload');
    // Byte for byte what protobuf-es writes, whatever the sizes (1- to 3-byte lengths) and characters.
    for (const [n, w] of [['ns/ü', workload('x', 1, 'h'.repeat(200))], ['big', workload('y', 2, 'h'.repeat(20_000))]] as const) {
      s.upsert(ADDRESS_TYPE_URL, n, w);
      const mine = s.get(ADDRESS_TYPE_URL, n);
      const theirs = create(ResourceSchema, { name: n, version: mine?.version ?? '', resource: anyPack(AddressSchema, w) });
      expect(equals(ResourceSchema, fromBinary(ResourceSchema, mine?.encoded ?? new Uint8Array()), theirs)).toBe(true);
      expect(mine?.encoded.length).toBe(toBinary(ResourceSchema, theirs).length);
    }
  });

  it('replace reports what changed or went away', () => {
    const s = store();
    s.replace(ADDRESS_TYPE_URL, new Map([['a', workload('a', 1)], ['b', workload('b', 2)]]));
    expect(s.replace(ADDRESS_TYPE_URL, new Map([['a', workload('a', 1)], ['c', workload('c', 3)]])).sort()).toEqual(['b', 'c']);
    expect([...s.names(ADDRESS_TYPE_URL)].sort()).toEqual(['a', 'c']);
    expect(s.remove(ADDRESS_TYPE_URL, 'a')).toBe(true);
    expect(s.remove(ADDRESS_TYPE_URL, 'a')).toBe(false);
  });

  it('keeps aliases: encoded, part of the version, resolvable, re-pointed and dropped with the resource', () => {
    const s = store();
    s.upsert(ADDRESS_TYPE_URL, 'pod-a', workload('pod-a', 1));
    const plain = s.get(ADDRESS_TYPE_URL, 'pod-a')?.version;
    expect(s.upsert(ADDRESS_TYPE_URL, 'pod-a', { resource: workload('pod-a', 1), aliases: ['/10.0.0.1'] })).toBe(true);
    const aliased = s.get(ADDRESS_TYPE_URL, 'pod-a');
    expect(aliased?.version).not.toBe(plain);
    expect(fromBinary(ResourceSchema, aliased?.encoded ?? new Uint8Array()).aliases).toEqual(['/10.0.0.1']);
    expect(s.resolveAlias(ADDRESS_TYPE_URL, '/10.0.0.1')?.name).toBe('pod-a');
    s.upsert(ADDRESS_TYPE_URL, 'pod-a', workload('pod-a', 1));
    s.upsert(ADDRESS_TYPE_URL, 'pod-b', { resource: workload('pod-b', 1), aliases: ['/10.0.0.1'] });
    expect(s.resolveAlias(ADDRESS_TYPE_URL, '/10.0.0.1')?.name).toBe('pod-b');
    s.remove(ADDRESS_TYPE_URL, 'pod-b');
    expect(s.resolveAlias(ADDRESS_TYPE_URL, '/10.0.0.1')).toBeUndefined();
    s.replace(ADDRESS_TYPE_URL, new Map([['pod-c', { resource: workload('pod-c', 3), aliases: ['/10.0.0.3', 'net/10.0.0.3'] }]]));
    expect(s.resolveAlias(ADDRESS_TYPE_URL, 'net/10.0.0.3')?.name).toBe('pod-c');
  });

  it.each([
    ['a message of another schema', ADDRESS_TYPE_URL, 'w', create(AuthorizationSchema), /w is a istio.security.Authorization, but .*Address carries istio.workload.Address/],
    ['a message of a type without schema', 'type.googleapis.com/x.Y', 'w', workload('w', 1), /no schema known for type.googleapis.com\/x.Y/],
    ['an empty name', ADDRESS_TYPE_URL, '', workload('w', 1), /empty name/],
  ])('refuses %s with a typed error', (_what, typeUrl, name, value, message) => {
    let err: unknown;
    try {
      store().upsert(typeUrl, name, value);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'XDS_SERVER_ERR_BAD_RESOURCE')).toBe(true);
    expect(String(err)).toMatch(message);
  });

  it('serves an Any as given, even under a type without schema', () => {
    const s = store();
    expect(s.upsert('type.googleapis.com/x.Y', 'n', create(AnySchema, { typeUrl: 'type.googleapis.com/x.Y', value: Uint8Array.of(1) }))).toBe(true);
    expect(s.size('type.googleapis.com/x.Y')).toBe(1);
  });
});

describe('encodePush', () => {
  it('produces the bytes protobuf-es produces for the same response', () => {
    // Sizes that need one-, two- and three-byte length varints, and a name that is not ASCII.
    const resources = [workload('a', 1), workload('b', 2, 'h'.repeat(200)), workload('c', 3, 'h'.repeat(20_000))].map((w, i) =>
      create(ResourceSchema, { name: `n${i}`, version: `v${i}`, resource: anyPack(AddressSchema, w) }),
    );
    const bytes = encodePush({ typeUrl: AUTHORIZATION_TYPE_URL, nonce: 'abc', resources: resources.map((r) => toBinary(ResourceSchema, r)), removed: ['x', 'ns/ü'], controlPlane: 'ambientd' });
    const decoded = fromBinary(DeltaDiscoveryResponseSchema, bytes);
    const expected = create(DeltaDiscoveryResponseSchema, { typeUrl: AUTHORIZATION_TYPE_URL, nonce: 'abc', resources, removedResources: ['x', 'ns/ü'], controlPlane: { identifier: 'ambientd' } });
    expect(equals(DeltaDiscoveryResponseSchema, decoded, expected)).toBe(true);
    expect(bytes.length).toBe(toBinary(DeltaDiscoveryResponseSchema, expected).length);
  });
});
