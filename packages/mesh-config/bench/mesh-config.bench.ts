// update() for 1,000 WorkloadEntries, 200 ServiceEntries and 500 AuthorizationPolicies, against the baseline of
// parsing the same YAML alone (yaml's parseAllDocuments + toJS): how much translation costs on top of reading.
// Rows: a cold update (new MeshConfig), a one-file edit (99 files reused from the cache) and an unchanged re-read.
import { loadavg } from 'node:os';
import { formatRatioTable, type BenchRow } from '@ambient/core';
import { Bench } from 'tinybench';
import { parseAllDocuments } from 'yaml';
import { MeshConfig } from '../src/index.js';
import { editedWorkloadFile, generateMesh } from './config.js';

const size = { workloads: 1000, services: 200, policies: 500 };
const files = generateMesh(size);

const check = new MeshConfig().update(files);
if (check.problems.length > 0 || check.addresses.size !== size.workloads + size.services || check.authorizations.size !== size.policies) {
  throw new Error(`generated mesh does not translate cleanly: ${check.problems.length} problems, ${check.addresses.size} addresses, ${check.authorizations.size} authorizations`);
}

const warm = new MeshConfig();
warm.update(files);
let generation = 0;
const unchanged = new MeshConfig();
unchanged.update(files);

// At least 10 timed runs each (a cold update takes about a second here), a second of runs for the fast ones.
const bench = new Bench({ time: 1000, iterations: 10, warmupTime: 0, warmupIterations: 2 });
bench
  .add('YAML parse alone', () => {
    for (const f of files) for (const d of parseAllDocuments(f.text)) d.toJS();
  })
  .add('update(), cold', () => {
    new MeshConfig().update(files);
  })
  .add('update(), one file edited', () => {
    const edited = editedWorkloadFile(++generation);
    warm.update(files.map((f) => (f.path === edited.path ? edited : f)));
  })
  .add('update(), nothing changed', () => {
    unchanged.update(files);
  });
await bench.run();

const rows: BenchRow[] = bench.tasks.map((t) => {
  const r = t.result as { latency?: { mean?: number; p99?: number } } | undefined;
  return { name: t.name, value: r?.latency?.mean ?? Number.NaN, unit: 'ms mean', lowerIsBetter: true };
});
const p99: BenchRow[] = bench.tasks.map((t) => {
  const r = t.result as { latency?: { p99?: number } } | undefined;
  return { name: t.name, value: r?.latency?.p99 ?? Number.NaN, unit: 'ms p99', lowerIsBetter: true };
});
const docs = 1 + size.workloads + size.services + size.policies;
console.log(`${files.length} files, ${docs} objects; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on a shared machine`);
console.log();
console.log(formatRatioTable(`mesh-config update(): ${size.workloads} workloads, ${size.services} services, ${size.policies} policies — mean`, rows, 'YAML parse alone'));
console.log();
console.log(formatRatioTable('same — p99', p99, 'YAML parse alone'));
