// Change notifications (one per batch that changed something) and the Authorization writer over the PolicyStore.
import { describe, expect, it, vi } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { Action, AuthorizationSchema, Scope, type Authorization } from '@ambient/api/security';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { MeshState, MeshStateError, type StateChange } from '../src/index.js';
import { batch, service, unknownEnum, workload } from '../src/testing/index.js';

const EP = { 'default/echo.default.svc.cluster.local': { ports: [{ servicePort: 80, targetPort: 9090 }] } };

function authz(name: string, init: Partial<Exclude<MessageInitShape<typeof AuthorizationSchema>, Authorization>> = {}): Authorization {
  return create(AuthorizationSchema, { name, namespace: 'default', scope: Scope.NAMESPACE, action: Action.DENY, groups: [{ rules: [] }], ...init });
}

describe('change notifications', () => {
  it('reports one change per batch with the workloads and the services whose endpoints moved', () => {
    const state = new MeshState();
    const changes: StateChange[] = [];
    state.subscribe((c) => changes.push(c));
    state.applyAddresses(batch(service('echo', '10.96.0.1'), workload('b', '10.0.0.2', { services: EP }), workload('a', '10.0.0.1')), []);
    expect(changes).toEqual([
      { workloads: ['Kubernetes//Pod/default/a', 'Kubernetes//Pod/default/b'], services: ['default/echo.default.svc.cluster.local'], policies: [] },
    ]);
    state.applyAddresses(new Map(), ['Kubernetes//Pod/default/b']);
    expect(changes[1]).toEqual({ workloads: ['Kubernetes//Pod/default/b'], services: ['default/echo.default.svc.cluster.local'], policies: [] });
  });

  it('stays silent for a batch that changed nothing, and after unsubscribing', () => {
    const state = new MeshState();
    const listener = vi.fn();
    const unsubscribe = state.subscribe(listener);
    state.applyAddresses(new Map([['bad', workload('w', undefined, { uid: '' })]]), ['never/seen']);
    expect(listener).not.toHaveBeenCalled();
    unsubscribe();
    state.applyAddresses(batch(workload('a', '10.0.0.1')), []);
    expect(listener).not.toHaveBeenCalled();
  });

  it('tells every listener even when one throws, then reports the failure to the writer', () => {
    const state = new MeshState();
    const second = vi.fn();
    state.subscribe(() => {
      throw new Error('boom');
    });
    state.subscribe(second);
    expect(() => state.applyAddresses(batch(workload('a', '10.0.0.1')), [])).toThrow(MeshStateError);
    expect(second).toHaveBeenCalledOnce();
    expect(state.findWorkloadByUid('Kubernetes//Pod/default/a')).toBeDefined();
  });

  it('drops cached endpoint lists when a batch changes them', () => {
    const state = new MeshState();
    state.applyAddresses(batch(service('echo', '10.96.0.1'), workload('a', '10.0.0.1', { services: EP })), []);
    const first = state.findEndpoints('default/echo.default.svc.cluster.local');
    expect(state.findEndpoints('default/echo.default.svc.cluster.local')).toBe(first);
    state.applyAddresses(batch(workload('b', '10.0.0.2', { services: EP })), []);
    expect(state.findEndpoints('default/echo.default.svc.cluster.local').map((w) => w.name)).toEqual(['a', 'b']);
  });
});

describe('applyAuthorizations', () => {
  it('converts, stores and finds policies for a workload, and notifies with the policy keys', () => {
    const state = new MeshState();
    const changes: StateChange[] = [];
    state.subscribe((c) => changes.push(c));
    const policyKeys: (readonly string[])[] = [];
    state.policies.subscribe(({ keys }) => policyKeys.push(keys));
    expect(state.applyAuthorizations(new Map([['default/deny', authz('deny')]]), [])).toEqual([]);
    expect(state.policies.findApplicable({ namespace: 'default', authorizationPolicies: [] }).map((p) => p.key)).toEqual(['default/deny']);
    expect(changes).toEqual([{ workloads: [], services: [], policies: ['default/deny'] }]);
    expect(policyKeys).toEqual([['default/deny']]);
    state.applyAuthorizations(new Map(), ['default/deny']);
    expect(state.policies.size).toBe(0);
    expect(changes[1]).toEqual({ workloads: [], services: [], policies: ['default/deny'] });
  });

  it('rejects a malformed policy by resource name and applies the rest', () => {
    const state = new MeshState();
    const bad = authz('bad', { action: unknownEnum(7) });
    const rejections = state.applyAuthorizations(new Map([['default/bad', bad], ['default/ok', authz('ok')]]), []);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ name: 'default/bad', reason: expect.stringMatching(/action: unknown value 7/) as unknown });
    expect(state.policies.all().map((p) => p.key)).toEqual(['default/ok']);
  });

  it('removes by the resource name even when the content names another key, and ignores unknown removals', () => {
    const state = new MeshState();
    const listener = vi.fn();
    state.applyAuthorizations(new Map([['alias', authz('real')]]), []);
    state.subscribe(listener);
    state.applyAuthorizations(new Map(), ['nothing/here']);
    expect(listener).not.toHaveBeenCalled();
    state.applyAuthorizations(new Map(), ['alias']);
    expect(state.policies.size).toBe(0);
    expect(listener).toHaveBeenCalledWith({ workloads: [], services: [], policies: ['default/real'] });
  });

  it('replaces the old key when a resource name now carries another policy', () => {
    const state = new MeshState();
    state.applyAuthorizations(new Map([['r', authz('one')]]), []);
    state.applyAuthorizations(new Map([['r', authz('two')]]), []);
    expect(state.policies.all().map((p) => p.key)).toEqual(['default/two']);
  });
});
