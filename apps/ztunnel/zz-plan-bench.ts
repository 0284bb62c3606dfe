import { formatRatioTable } from '@ambient/core';
import { Bench } from 'tinybench';
import { batch, service, workload } from '@ambient/mesh-state/testing';
import { MeshState } from '@ambient/mesh-state';
import { planOutbound } from './src/plan/outbound.js';
import { planInbound } from './src/plan/inbound.js';
const W = 10_000, S = 500, N = 1000;
const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const key = (s: number) => `ns-${s % 50}/svc-${s}.ns-${s % 50}.svc.cluster.local`;
const list = [];
for (let s = 0; s < S; s++) list.push(service(`svc-${s}`, `10.96.${s >> 8}.${s & 255}`, { namespace: `ns-${s % 50}` }));
for (let i = 0; i < W; i++) list.push(workload(`pod-${i}`, ipOf(i), { namespace: `ns-${(i % S) % 50}`, services: { [key(i % S)]: { ports: [{ servicePort: 80, targetPort: 8080 }] } } }));
const state = new MeshState();
state.applyAddresses(batch(...list), []);
const source = state.findWorkloadByUid('Kubernetes//Pod/ns-0/pod-0')!;
const base = new Map(state.snapshot().workloads.map((w) => [w.addresses[0]!, w]));
const probes = Array.from({ length: N }, (_, i) => (i * 7919) % W);
const vipDest = probes.map((i) => ({ ip: `10.96.${(i % S) >> 8}.${(i % S) & 255}`, port: 80 }));
const podDest = probes.map((i) => ({ ip: ipOf(i), port: 8080 }));
const podKeys = probes.map((i) => ipOf(i));
const opts = { hbonePort: 15008, illegalPorts: [15001, 15006, 15008, 15080] };
const inReq = probes.map((i) => ({ dialledIp: ipOf(i), authority: { host: ipOf(i), port: 8080 }, peerIdentity: 'spiffe://cluster.local/ns/ns-0/sa/default', srcIp: '10.0.0.0', network: '' }));
let sink = 0;
const best = new Map<string, number>();
console.log('endpoints', state.findEndpoints(key(7)).length, state.findServiceByVip(vipDest[7]!)?.key);
if (process.env.PROF) { const t = performance.now(); for (let k = 0; k < 200; k++) for (const d of vipDest) planOutbound(state, source, d, opts); console.log((performance.now()-t)/200/N*1000, 'us'); process.exit(0); }
const tasks: [string, () => void][] = [
  ['Map.get by IP (baseline)', () => { for (const k of podKeys) if (base.get(k)) sink++; }],
  ['planOutbound, pod IP', () => { for (const d of podDest) if (planOutbound(state, source, d, opts).kind === 'hbone') sink++; }],
  ['planOutbound, service VIP (20 endpoints)', () => { for (const d of vipDest) if (planOutbound(state, source, d, opts).kind === 'hbone') sink++; }],
  ['planInbound, no policies', () => { for (const r of inReq) if (planInbound(state, r, opts).kind === 'allow') sink++; }],
];
for (let r = 0; r < 3; r++) {
  const b = new Bench({ time: 300, warmupTime: 100 });
  for (const [n, f] of tasks) b.add(n, f);
  await b.run();
  for (const t of b.tasks) best.set(t.name, Math.max(best.get(t.name) ?? 0, (N * 1000) / t.result.period));
}
console.log(formatRatioTable('plans/s, 10,000 workloads, 500 services', tasks.map(([n]) => ({ name: n, value: best.get(n) ?? 0, unit: 'plans/s' }))));
if (sink < 0) console.log(sink);
