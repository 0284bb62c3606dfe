// Workloads that list a service before the service arrives (ztunnel's staged_services): nothing is lost whatever the
// order, and findStagedEndpoints shows what waits for its service, for /config_dump's stagedServices.
import { describe, expect, it } from 'vitest';
import { LoadBalancing_HealthPolicy, WorkloadStatus, type Address } from '@ambient/api/workload';
import { MeshState } from '../src/index.js';
import { batch, nameOf, service, workload } from '../src/testing/index.js';

const ECHO = 'default/echo.default.svc.cluster.local';
const OTHER = 'default/other.default.svc.cluster.local';
const listing = (...keys: string[]) => ({ services: Object.fromEntries(keys.map((k) => [k, { ports: [{ servicePort: 80, targetPort: 8080 }] }])) });
const E1 = workload('echo-1', '10.0.0.1', listing(ECHO));
const E2 = workload('echo-2', '10.0.0.2', listing(ECHO, OTHER));
const SICK = workload('echo-sick', '10.0.0.3', { ...listing(ECHO), status: WorkloadStatus.UNHEALTHY });
const SVC = service('echo', '10.96.0.1');

/** Applies each step as one xDS response: a list of upserts, or { remove: names }. */
function run(...steps: (Address[] | { remove: string[] })[]): MeshState {
  const state = new MeshState();
  for (const step of steps) {
    const rejected = Array.isArray(step) ? state.applyAddresses(batch(...step), []) : state.applyAddresses(new Map(), step.remove);
    expect(rejected).toEqual([]);
  }
  return state;
}

const staged = (state: MeshState) => Object.fromEntries([...state.findStagedEndpoints()].map(([key, list]) => [key, list.map((w) => w.name)]));
const endpoints = (state: MeshState, key = ECHO) => state.findEndpoints(key).map((w) => w.name).sort();

describe('endpoints before their service', () => {
  it.each([
    ['workloads first, service in a later response', [[E1, E2], [SVC]], { [OTHER]: ['echo-2'] }, ['echo-1', 'echo-2']],
    ['service first', [[SVC], [E1, E2]], { [OTHER]: ['echo-2'] }, ['echo-1', 'echo-2']],
    ['both in one response', [[E2, SVC, E1]], { [OTHER]: ['echo-2'] }, ['echo-1', 'echo-2']],
    ['one workload before, one after the service', [[E1], [SVC], [E2]], { [OTHER]: ['echo-2'] }, ['echo-1', 'echo-2']],
    ['a staged workload removed before the service comes', [[E1, E2], { remove: [nameOf(E1)] }, [SVC]], { [OTHER]: ['echo-2'] }, ['echo-2']],
    ['the service removed again: its endpoints are staged again', [[E1, SVC], { remove: [nameOf(SVC)] }], { [ECHO]: ['echo-1'] }, ['echo-1']],
    ['a workload that stops listing the service leaves the staging', [[E1], [workload('echo-1', '10.0.0.1', listing(OTHER))]], { [OTHER]: ['echo-1'] }, []],
  ] as const)('%s', (_name, steps, stagedAfter, endpointsAfter) => {
    const state = run(...(steps as unknown as Parameters<typeof run>));
    expect(staged(state)).toEqual(stagedAfter);
    expect(endpoints(state)).toEqual(endpointsAfter);
  });

  it('stages unhealthy workloads too; the service health policy decides once it is there', () => {
    const state = run([E1, SICK]);
    expect(staged(state)).toEqual({ [ECHO]: ['echo-1', 'echo-sick'] });
    expect(endpoints(state)).toEqual(['echo-1']);
    state.applyAddresses(batch(SVC), []);
    expect(endpoints(state)).toEqual(['echo-1']);
    state.applyAddresses(batch(service('echo', '10.96.0.1', { loadBalancing: { healthPolicy: LoadBalancing_HealthPolicy.ALLOW_ALL } })), []);
    expect(endpoints(state)).toEqual(['echo-1', 'echo-sick']);
    expect(staged(state)).toEqual({});
  });

  it('a lookup before the service arrives is not cached past it', () => {
    const state = run([E1]);
    expect(endpoints(state)).toEqual(['echo-1']);
    state.applyAddresses(batch(SVC), []);
    state.applyAddresses(batch(E2), []);
    expect(endpoints(state)).toEqual(['echo-1', 'echo-2']);
  });

  it('stages nothing for a workload with a malformed service key (the workload is rejected whole)', () => {
    const state = new MeshState();
    const bad = workload('bad', '10.0.0.9', listing('no-namespace'));
    const badEnd = workload('bad-end', '10.0.0.10', listing('default/'));
    expect(state.applyAddresses(batch(bad, badEnd), []).map((r) => r.reason)).toEqual([
      'workload.services["no-namespace"]: key is not "namespace/hostname"',
      'workload.services["default/"]: key is not "namespace/hostname"',
    ]);
    expect(staged(state)).toEqual({});
  });

  it('is empty for an empty store and sorted by service key, then uid', () => {
    expect(staged(new MeshState())).toEqual({});
    const state = run([workload('z', '10.0.1.1', listing('ns-b/b')), workload('y', '10.0.1.2', listing('ns-a/a')), workload('x', '10.0.1.3', listing('ns-b/b'))]);
    expect([...state.findStagedEndpoints().keys()]).toEqual(['ns-a/a', 'ns-b/b']);
    expect(staged(state)['ns-b/b']).toEqual(['x', 'z']);
  });
});
