// The policy store: scope indexes, lookups for a workload, batches and change notifications.
import { describe, expect, it, vi } from 'vitest';
import { createPolicy, PolicyStore, type Policy, type Scope } from '../src/index.js';

const policy = (namespace: string, name: string, scope: Scope, action: 'ALLOW' | 'DENY' = 'ALLOW'): Policy =>
  createPolicy({ name, namespace, scope, action, rules: [[]] });
const keys = (list: readonly Policy[]) => list.map((p) => p.key).sort();

describe('PolicyStore', () => {
  const global = policy('istio-system', 'global', 'GLOBAL');
  const nsA = policy('a', 'ns-a', 'NAMESPACE');
  const nsB = policy('b', 'ns-b', 'NAMESPACE');
  const selA = policy('a', 'sel-a', 'WORKLOAD_SELECTOR', 'DENY');
  const selB = policy('b', 'sel-b', 'WORKLOAD_SELECTOR');

  function filled(): PolicyStore {
    const store = new PolicyStore();
    store.replaceAll([global, nsA, nsB, selA, selB]);
    return store;
  }

  it('finds global ∪ namespace ∪ listed policies, skipping unknown keys', () => {
    const store = filled();
    expect(keys(store.findApplicable({ namespace: 'a', authorizationPolicies: [] }))).toEqual(['a/ns-a', 'istio-system/global']);
    expect(keys(store.findApplicable({ namespace: 'a', authorizationPolicies: ['a/sel-a', 'b/sel-b', 'a/missing'] }))).toEqual([
      'a/ns-a', 'a/sel-a', 'b/sel-b', 'istio-system/global',
    ]);
    expect(store.findMissing({ namespace: 'a', authorizationPolicies: ['a/sel-a', 'a/missing'] })).toEqual(['a/missing']);
    expect(keys(store.findApplicable({ namespace: 'c', authorizationPolicies: [] }))).toEqual(['istio-system/global']);
  });

  it('never returns a policy twice, even when a workload lists a global or namespace policy', () => {
    const store = filled();
    const found = store.findApplicable({ namespace: 'a', authorizationPolicies: ['a/ns-a', 'istio-system/global', 'a/sel-a', 'a/sel-a', 'b/ns-b'] });
    // b/ns-b is NAMESPACE-scoped elsewhere, but listed explicitly: ztunnel includes listed keys whatever their scope.
    expect(keys(found)).toEqual(['a/ns-a', 'a/sel-a', 'b/ns-b', 'istio-system/global']);
  });

  it('reuses the lookup result until the store changes', () => {
    const store = filled();
    const w = { namespace: 'a', authorizationPolicies: [] };
    expect(store.findApplicable(w)).toBe(store.findApplicable(w));
    const before = store.findApplicable(w);
    store.insert(policy('a', 'ns-a2', 'NAMESPACE'));
    expect(keys(store.findApplicable(w))).toEqual(['a/ns-a', 'a/ns-a2', 'istio-system/global']);
    expect(keys(before)).toEqual(['a/ns-a', 'istio-system/global']); // handed-out results never change under the caller
  });

  it('re-indexes a policy whose scope changes on replace', () => {
    const store = filled();
    store.insert(policy('a', 'ns-a', 'WORKLOAD_SELECTOR'));
    expect(keys(store.findApplicable({ namespace: 'a', authorizationPolicies: [] }))).toEqual(['istio-system/global']);
    store.insert(policy('a', 'ns-a', 'GLOBAL'));
    expect(keys(store.findApplicable({ namespace: 'z', authorizationPolicies: [] }))).toEqual(['a/ns-a', 'istio-system/global']);
    expect(store.size).toBe(5);
  });

  it('removes from every index', () => {
    const store = filled();
    store.remove('a/ns-a');
    store.remove('istio-system/global');
    store.remove('a/sel-a');
    expect(store.findApplicable({ namespace: 'a', authorizationPolicies: ['a/sel-a'] })).toEqual([]);
    expect(store.get('a/ns-a')).toBeUndefined();
    expect(keys(store.all())).toEqual(['b/ns-b', 'b/sel-b']);
  });

  it('notifies subscribers once per change with the changed keys, and not for no-ops', () => {
    const store = new PolicyStore();
    const listener = vi.fn();
    const unsubscribe = store.subscribe(listener);
    store.replaceAll([nsA, nsB]);
    store.update([selA], ['b/ns-b', 'x/unknown']);
    store.remove('x/unknown');
    unsubscribe();
    store.insert(global);
    expect(listener.mock.calls).toEqual([[{ keys: ['a/ns-a', 'b/ns-b'] }], [{ keys: ['a/sel-a', 'b/ns-b'] }]]);
  });

  it('replaceAll reports removed keys too', () => {
    const store = filled();
    const listener = vi.fn();
    store.subscribe(listener);
    store.replaceAll([nsA]);
    expect(listener).toHaveBeenCalledWith({ keys: ['a/ns-a', 'a/sel-a', 'b/ns-b', 'b/sel-b', 'istio-system/global'] });
    expect(store.size).toBe(1);
  });

  it('a throwing listener does not keep the others from hearing about the change', () => {
    const store = new PolicyStore();
    const second = vi.fn();
    store.subscribe(() => {
      throw new Error('listener broke');
    });
    store.subscribe(second);
    expect(() => store.insert(nsA)).toThrow('listener broke');
    expect(second).toHaveBeenCalledOnce();
    expect(store.get('a/ns-a')).toBe(nsA);
  });
});
