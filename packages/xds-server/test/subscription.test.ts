// Property: whatever the order of config changes, (un)subscriptions and pushes, a client that applies every push
// ends up holding exactly the subscribed part of the store, at the store's versions.
import { create, fromBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { ADDRESS_TYPE_URL, AddressSchema } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL, AuthorizationSchema } from '@ambient/api/security';
import { DeltaDiscoveryRequestSchema, ResourceSchema } from '@ambient/api/xds';
import { ResourceStore } from '../src/resource-store.js';
import { Subscription } from '../src/subscription.js';
import { workload } from './fixtures.js';

const NAMES = ['a', 'b', 'c', 'd'];
const name = fc.constantFrom(...NAMES);
const op = fc.oneof(
  fc.record({ kind: fc.constant('upsert' as const), name, ip: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('remove' as const), name }),
  fc.record({ kind: fc.constant('subscribe' as const), name }),
  fc.record({ kind: fc.constant('unsubscribe' as const), name }),
  fc.record({ kind: fc.constant('push' as const) }),
);

it('converges to the subscribed store for wildcard and on-demand streams, from any initial versions', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.dictionary(name, fc.constantFrom('stale', 'x')), fc.array(op, { maxLength: 40 }), (wildcard, initial, ops) => {
      const store = new ResourceStore([AddressSchema, AuthorizationSchema]);
      store.upsert(ADDRESS_TYPE_URL, 'a', workload('a', 1));
      const held = new Map<string, string>(Object.entries(initial));
      const subscribed = new Set<string>();
      const sub = new Subscription(create(DeltaDiscoveryRequestSchema, {
        typeUrl: ADDRESS_TYPE_URL,
        resourceNamesSubscribe: wildcard ? [] : ['*'],
        resourceNamesUnsubscribe: wildcard ? [] : ['*'],
        initialResourceVersions: wildcard ? initial : {},
      }));
      if (!wildcard) held.clear();
      const push = () => {
        const p = sub.takePush(store);
        for (const bytes of p?.resources ?? []) {
          const r = fromBinary(ResourceSchema, bytes);
          held.set(r.name, r.version);
        }
        for (const n of p?.removed ?? []) held.delete(n);
      };
      for (const o of ops) {
        if (o.kind === 'upsert' && store.upsert(ADDRESS_TYPE_URL, o.name, workload(o.name, o.ip))) sub.markDirty([o.name]);
        if (o.kind === 'remove' && store.remove(ADDRESS_TYPE_URL, o.name)) sub.markDirty([o.name]);
        if (o.kind === 'push') push();
        if (wildcard || o.kind === 'upsert' || o.kind === 'remove' || o.kind === 'push') continue;
        const change = o.kind === 'subscribe' ? { resourceNamesSubscribe: [o.name] } : { resourceNamesUnsubscribe: [o.name] };
        sub.onRequest(create(DeltaDiscoveryRequestSchema, { typeUrl: ADDRESS_TYPE_URL, ...change }));
        if (o.kind === 'subscribe') {
          subscribed.add(o.name);
        } else {
          subscribed.delete(o.name);
          held.delete(o.name); // the client forgets what it unsubscribes
        }
      }
      push();
      const want = new Map([...store.names(ADDRESS_TYPE_URL)].filter((n) => wildcard || subscribed.has(n)).map((n) => [n, store.get(ADDRESS_TYPE_URL, n)?.version]));
      expect(held).toEqual(want);
      expect(sub.takePush(store)).toBeUndefined(); // nothing left once converged
    }),
    { numRuns: 300 },
  );
});

it('tracks the status of the latest nonce only', () => {
  const sub = new Subscription(create(DeltaDiscoveryRequestSchema, { typeUrl: AUTHORIZATION_TYPE_URL }));
  expect(sub.status()).toEqual({ status: 'STALE', nonce: '' });
  sub.sent('n1');
  sub.sent('n2');
  sub.onRequest(create(DeltaDiscoveryRequestSchema, { typeUrl: AUTHORIZATION_TYPE_URL, responseNonce: 'n1', errorDetail: { message: 'old' } }));
  expect(sub.status()).toEqual({ status: 'STALE', nonce: 'n2' });
  sub.onRequest(create(DeltaDiscoveryRequestSchema, { typeUrl: AUTHORIZATION_TYPE_URL, responseNonce: 'n2', errorDetail: { code: 3 } }));
  expect(sub.status()).toEqual({ status: 'NACKED', nonce: 'n2', error: 'code 3' });
  sub.onRequest(create(DeltaDiscoveryRequestSchema, { typeUrl: AUTHORIZATION_TYPE_URL, responseNonce: 'n2' }));
  expect(sub.status()).toEqual({ status: 'SYNCED', nonce: 'n2' });
});
