// Decisions per second: evaluate() against 1, 10 and 100 applicable policies (baseline: 1), and store lookup plus
// evaluate with 10, 10,000 and 100,000 stored policies (baseline: 10) — the lookup must stay flat as the store grows.
// Each case is timed by tinybench (wall clock) and again per CPU-second of this process, which other processes on
// the shared machine cannot inflate.
import { loadavg } from 'node:os';
import { formatRatioTable, type BenchRow } from '@ambient/core';
import { Bench } from 'tinybench';
import { createPolicy, evaluate, PolicyStore, type Connection, type Policy, type WorkloadRef } from '../src/index.js';

/** Decisions per task call: one call is far above timer resolution, so per-call overhead does not skew the rate. */
const BATCH = 1000;

const connections: Connection[] = Array.from({ length: 8 }, (_, i) => ({
  srcIp: `10.0.${i}.7`,
  srcIdentity: { trustDomain: 'cluster.local', namespace: `ns${i}`, serviceAccount: 'client' },
  dstIp: '10.1.0.5',
  dstPort: i % 2 === 0 ? 8080 : 9090,
}));

/** A typical L4 policy: allow one caller's principal on one port, from the cluster's pod range. */
function allowFrom(namespace: string, name: string, caller: number, scope: Policy['scope']): Policy {
  return createPolicy({
    name, namespace, scope, action: 'ALLOW',
    rules: [[[{ destinationPorts: [8080] }], [{ principals: [`cluster.local/ns/ns${caller}/sa/client`], sourceIps: ['10.0.0.0/16'] }]]],
  });
}

function denyFrom(namespace: string, name: string, scope: Policy['scope']): Policy {
  return createPolicy({ name, namespace, scope, action: 'DENY', rules: [[[{ sourceIps: ['192.168.0.0/16'] }, { namespaces: ['untrusted'] }]]] });
}

/** n applicable policies: one DENY (when n > 1) and ALLOWs, one of which admits every other caller. */
function applicable(n: number): Policy[] {
  return Array.from({ length: n }, (_, i) =>
    i === 0 && n > 1 ? denyFrom('backend', 'deny', 'NAMESPACE') : allowFrom('backend', `allow-${i}`, i % 2 === 0 ? 0 : 100 + i, 'NAMESPACE'),
  );
}

const workload: WorkloadRef = { namespace: 'backend', authorizationPolicies: ['backend/sel-0', 'backend/sel-1'] };

/** A store of `total` policies of which 6 apply to `workload` (1 global, 3 namespace, 2 listed) whatever the total. */
function storeOf(total: number): PolicyStore {
  const policies: Policy[] = [
    denyFrom('istio-system', 'global-deny', 'GLOBAL'),
    ...[0, 1, 2].map((i) => allowFrom('backend', `ns-${i}`, i, 'NAMESPACE')),
    allowFrom('backend', 'sel-0', 3, 'WORKLOAD_SELECTOR'),
    allowFrom('backend', 'sel-1', 4, 'WORKLOAD_SELECTOR'),
  ];
  for (let i = policies.length; i < total; i++) {
    const ns = `tenant-${i % 1000}`;
    policies.push(allowFrom(ns, `p-${i}`, i % 8, i % 3 === 0 ? 'NAMESPACE' : 'WORKLOAD_SELECTOR'));
  }
  const store = new PolicyStore();
  store.replaceAll(policies);
  return store;
}

let sink = 0;
function run(decide: (conn: Connection) => boolean): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) if (decide(connections[i & 7] as Connection)) sink++;
  };
}

type Task = [string, () => void];

/** Best of three tinybench rounds per task: other processes on the machine only ever make a round slower. */
async function wallClock(tasks: readonly Task[]): Promise<BenchRow[]> {
  const best = new Map<string, number>();
  for (let round = 0; round < 3; round++) {
    const bench = new Bench({ time: 300, warmupTime: 100 });
    for (const [name, fn] of tasks) bench.add(name, fn);
    await bench.run();
    for (const t of bench.tasks) {
      const r = t.result;
      if (r.state !== 'completed') throw new Error(`bench task ${t.name} ended ${r.state}`);
      best.set(t.name, Math.max(best.get(t.name) ?? 0, (BATCH * 1000) / r.period));
    }
  }
  return tasks.map(([name]) => ({ name, value: best.get(name) ?? 0, unit: 'decisions/s' }));
}

/** Calls per CPU-second of this process over about 300 ms (after tinybench has warmed the code up). */
function perCpuSecond(tasks: readonly Task[]): BenchRow[] {
  return tasks.map(([name, fn]) => {
    const start = process.cpuUsage();
    const until = performance.now() + 300;
    let calls = 0;
    while (performance.now() < until) {
      fn();
      calls++;
    }
    const used = process.cpuUsage(start);
    return { name, value: (calls * BATCH * 1e6) / (used.user + used.system), unit: 'decisions/CPU-s' };
  });
}

async function measure(title: string, tasks: readonly Task[], baseline: string): Promise<[BenchRow[], BenchRow[]]> {
  const wall = await wallClock(tasks);
  const cpu = perCpuSecond(tasks);
  console.log(formatRatioTable(`${title} — wall clock`, wall, baseline));
  console.log();
  console.log(formatRatioTable(`${title} — per CPU-second`, cpu, baseline));
  console.log();
  return [wall, cpu];
}

console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on a shared machine; compare ratios within this run`);
console.log();
const [perPolicies, perPoliciesCpu] = await measure(
  'L4 authorization: decisions/s by applicable policies',
  [1, 10, 100].map((n): Task => {
    const policies = applicable(n);
    return [`evaluate, ${n} applicable`, run((c) => evaluate(c, policies).allowed)];
  }),
  'evaluate, 1 applicable',
);

const stores = [10, 10_000, 100_000].map((total) => [total.toLocaleString('en-US'), storeOf(total)] as const);
const [perStore, perStoreCpu] = await measure(
  'L4 authorization: store lookup + evaluate by stored policies (6 apply)',
  [
    ...stores.map(([total, store]): Task => [`lookup+evaluate, ${total} stored`, run((c) => evaluate(c, store.findApplicable(workload)).allowed)]),
    ...stores.map(([total, store]): Task => [`lookup only, ${total} stored`, run(() => store.findApplicable(workload).length === 6)]),
  ],
  'lookup+evaluate, 10 stored',
);

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
const ten = [perPolicies[1]?.value ?? 0, perPoliciesCpu[1]?.value ?? 0];
const spread = (rows: BenchRow[]) => Math.min(...rows.slice(0, 3).map((r) => r.value)) / Math.max(...rows.slice(0, 3).map((r) => r.value));
console.log(`target ≥ 1,000,000 decisions/s with 10 applicable policies: ${fmt(ten[0] ?? 0)} wall, ${fmt(ten[1] ?? 0)} per CPU-second`);
console.log(`target lookup+evaluate flat within 2× from 10 to 100,000 stored: slowest/fastest ${spread(perStore).toFixed(2)} wall, ${spread(perStoreCpu).toFixed(2)} per CPU-second`);
if (sink < 0) console.log(sink);
