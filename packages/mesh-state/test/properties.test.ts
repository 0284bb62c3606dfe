// Property: after any sequence of batches (upserts, replacements, removals, rejected resources) every index agrees
// with a plain model of what was accepted — nothing stale survives in any index.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TunnelProtocol, WorkloadStatus, type Address } from '@ambient/api/workload';
import { MeshState } from '../src/index.js';
import { service, workload } from '../src/testing/index.js';

const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '2001:db8::1'];
const NODES = ['n1', 'n2'];
const SERVICES = ['s1', 's2', 's3'];
const VIPS = ['10.96.0.1', '10.96.0.2', '10.96.0.3'];
const UIDS = ['a', 'b', 'c', 'd', 'e'];

interface ModelWorkload {
  readonly ips: string[];
  readonly node: string;
  readonly services: string[];
  readonly healthy: boolean;
}

const key = (s: string) => `default/${s}.default.svc.cluster.local`;

const workloadOp = fc.record({
  kind: fc.constant('workload' as const),
  uid: fc.constantFrom(...UIDS),
  ips: fc.uniqueArray(fc.constantFrom(...IPS), { maxLength: 2 }),
  node: fc.constantFrom(...NODES),
  services: fc.uniqueArray(fc.constantFrom(...SERVICES), { maxLength: 2 }),
  healthy: fc.boolean(),
  legacy: fc.boolean(),
});
const serviceOp = fc.record({ kind: fc.constant('service' as const), name: fc.constantFrom(...SERVICES), vip: fc.constantFrom(...VIPS) });
const removeOp = fc.record({ kind: fc.constant('remove' as const), name: fc.constantFrom(...UIDS.map((u) => `Kubernetes//Pod/default/${u}`), ...SERVICES.map(key)) });
const batchArb = fc.array(fc.oneof(workloadOp, serviceOp, removeOp), { minLength: 1, maxLength: 6 });

describe('index consistency', () => {
  it('every lookup matches a model of the accepted resources', () => {
    fc.assert(
      fc.property(fc.array(batchArb, { maxLength: 8 }), (batches) => {
        const state = new MeshState();
        const workloads = new Map<string, ModelWorkload>();
        const services = new Map<string, string>();
        for (const ops of batches) {
          const upserts = new Map<string, Address>();
          const removals: string[] = [];
          for (const op of ops) {
            if (op.kind === 'remove') removals.push(op.name);
            else if (op.kind === 'service') upserts.set(key(op.name), service(op.name, op.vip));
            else {
              const init = {
                addresses: [], node: op.node, status: op.healthy ? WorkloadStatus.HEALTHY : WorkloadStatus.UNHEALTHY,
                services: Object.fromEntries(op.services.map((s) => [key(s), { ports: [] }])),
                ...(op.legacy ? { tunnelProtocol: TunnelProtocol.LEGACY_ISTIO_MTLS } : {}),
              };
              const address = workload(op.uid, undefined, init);
              if (address.type.case === 'workload') address.type.value.addresses = op.ips.map(bytesOf);
              upserts.set(`Kubernetes//Pod/default/${op.uid}`, address);
            }
          }
          const rejected = new Set(state.applyAddresses(upserts, removals).map((r) => r.name));
          // The model: removals first, then every accepted upsert.
          for (const name of removals) {
            workloads.delete(name);
            services.delete(name);
          }
          for (const op of ops) {
            if (op.kind === 'service') services.set(key(op.name), op.vip);
            if (op.kind !== 'workload') continue;
            const name = `Kubernetes//Pod/default/${op.uid}`;
            if (rejected.has(name)) continue;
            const w = upserts.get(name);
            if (w?.type.case === 'workload') workloads.set(name, modelOf(w));
          }
          expectAgrees(state, workloads, services);
        }
      }),
      { numRuns: 300 },
    );
  });
});

function bytesOf(ip: string): Uint8Array {
  if (ip === '2001:db8::1') return new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  return new Uint8Array(ip.split('.').map(Number));
}

function modelOf(a: Address): ModelWorkload {
  if (a.type.case !== 'workload') throw new Error('not a workload');
  const w = a.type.value;
  return {
    ips: w.addresses.map((b) => (b.length === 16 ? '2001:db8::1' : [...b].join('.'))),
    node: w.node,
    services: Object.keys(w.services),
    healthy: w.status === WorkloadStatus.HEALTHY,
  };
}

function expectAgrees(state: MeshState, workloads: Map<string, ModelWorkload>, services: Map<string, string>): void {
  expect(state.snapshot().workloads.map((w) => w.uid).sort()).toEqual([...workloads.keys()].sort());
  for (const [uid, m] of workloads) expect(state.findWorkloadByUid(uid)?.addresses).toEqual(m.ips);
  for (const ip of IPS) {
    const holders = [...workloads].filter(([, m]) => m.ips.includes(ip)).map(([uid]) => uid);
    const found = state.findWorkloadByAddress({ network: '', ip });
    if (holders.length === 0) expect(found).toBeUndefined();
    else expect(holders).toContain(found?.uid);
  }
  for (const node of NODES) {
    const want = [...workloads].filter(([, m]) => m.node === node).map(([uid]) => uid).sort();
    expect(state.findWorkloadsOnNode(node).map((w) => w.uid).sort()).toEqual(want);
  }
  for (const s of SERVICES) {
    const want = [...workloads].filter(([, m]) => m.healthy && m.services.includes(key(s))).map(([uid]) => uid).sort();
    expect(state.findEndpoints(key(s)).map((w) => w.uid).sort()).toEqual(want);
  }
  expect(state.snapshot().services.map((s) => s.key).sort()).toEqual([...services.keys()].sort());
  for (const vip of VIPS) {
    const holders = [...services].filter(([, v]) => v === vip).map(([k]) => k);
    const found = state.findServiceByVip({ network: '', ip: vip });
    if (holders.length === 0) expect(found).toBeUndefined();
    else expect(holders).toContain(found?.key);
  }
}
