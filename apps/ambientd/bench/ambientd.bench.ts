// ambientd at mesh scale: 1,000 workloads, 200 services and 500 policies to 10 simulated ztunnels. Measures start →
// all synced and one-file edit → every client updated, against MeshConfig.update() alone for the same edit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, formatRatioTable } from '@ambient/core';
import { MeshConfig, type ConfigFile } from '@ambient/mesh-config';
import { mintToken } from '@ambient/spiffe';
import { XdsClient, addressType, authorizationType } from '@ambient/xds-client';
import { readAmbientdConfig, startAmbientd } from '../src/index.js';

const NAMESPACES = 10;
const WORKLOADS_PER_NS = 100;
const SERVICES_PER_NS = 20;
const POLICIES_PER_NS = 50;
const CLIENTS = 10;
const EDITS = 40;
const quiet = createLogger({ name: 'bench', level: 'silent' });

function workloads(ns: number, edit = -1): string {
  const docs: string[] = [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${ns}\n  labels:\n    istio.io/dataplane-mode: ambient\n`];
  for (let i = 0; i < WORKLOADS_PER_NS; i++) {
    // The edit moves w-0 to an address of its own, so every edit changes the served Workload.
    const address = i === 0 && edit >= 0 ? `10.${ns}.200.${(edit % 250) + 1}` : `10.${ns}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    docs.push(`apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: w-${i}
  namespace: ns-${ns}
  labels: {app: svc-${i % SERVICES_PER_NS}, ambient.dev/node: node-${i % CLIENTS}}
spec:
  address: ${address}
  serviceAccount: sa-${i % SERVICES_PER_NS}
`);
  }
  return docs.join('---\n');
}

function services(ns: number): string {
  return Array.from({ length: SERVICES_PER_NS }, (_, i) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: svc-${i}, namespace: ns-${ns}}
spec:
  hosts: [svc-${i}.ns-${ns}.mesh]
  addresses: [240.240.${ns}.${i + 1}]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  workloadSelector: {labels: {app: svc-${i}}}
`).join('---\n');
}

function policies(ns: number): string {
  return Array.from({ length: POLICIES_PER_NS }, (_, i) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p-${i}, namespace: ns-${ns}}
spec:
  selector: {matchLabels: {app: svc-${i % SERVICES_PER_NS}}}
  action: ALLOW
  rules:
  - from: [{source: {principals: [cluster.local/ns/ns-${(ns + 1) % NAMESPACES}/sa/sa-${i % SERVICES_PER_NS}]}}]
    to: [{operation: {ports: ["${8000 + i}"]}}]
`).join('---\n');
}

function meshFiles(dir: string): ConfigFile[] {
  const files: ConfigFile[] = [];
  for (let ns = 0; ns < NAMESPACES; ns++) {
    files.push({ path: join(dir, `ns-${ns}-workloads.yaml`), text: workloads(ns) });
    files.push({ path: join(dir, `ns-${ns}-services.yaml`), text: services(ns) });
    files.push({ path: join(dir, `ns-${ns}-policies.yaml`), text: policies(ns) });
  }
  return files;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const configDir = mkdtempSync(join(tmpdir(), 'ambientd-bench-config-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'ambientd-bench-state-'));
  const files = meshFiles(configDir);
  for (const f of files) writeFileSync(f.path, f.text);

  // Baseline: the translation alone, for the same one-file edits.
  const mesh = new MeshConfig({ clusterId: 'Kubernetes', trustDomain: 'cluster.local', rootNamespace: 'istio-system' });
  mesh.update(files);
  const translateMs: number[] = [];
  for (let e = 0; e < EDITS; e++) {
    const edited = files.map((f) => (f.path.endsWith(`ns-${e % NAMESPACES}-workloads.yaml`) ? { ...f, text: workloads(e % NAMESPACES, e + 2) } : f));
    const t = performance.now();
    mesh.update(edited);
    translateMs.push(performance.now() - t);
  }
  const served = mesh.current();

  const tokens: string[] = [];
  for (let i = 0; i < CLIENTS; i++) tokens.push(await mintToken({ stateDir, namespace: 'istio-system', serviceAccount: 'ztunnel', node: `node-${i}` }));
  const t0 = performance.now();
  const daemon = await startAmbientd(
    readAmbientdConfig({ '--config': configDir, '--state-dir': stateDir, '--grpc-listen': '127.0.0.1:0', '--debug-listen': '127.0.0.1:0' }),
    { logger: quiet },
  );
  const clients = tokens.map((token, i) => new XdsClient({
    address: daemon.grpcAddress,
    tls: { rootPem: daemon.rootPem },
    token,
    node: { nodeName: `node-${i}`, podName: `ztunnel-${i}`, podNamespace: 'istio-system', clusterId: 'Kubernetes' },
    types: [{ type: addressType }, { type: authorizationType }],
    logger: quiet,
  }));
  await Promise.all(clients.map((c) => c.ready()));
  const startMs = performance.now() - t0;
  const got = clients[0]?.snapshot(addressType).size ?? 0;
  if (got !== served.addresses.size) throw new Error(`client holds ${got} addresses, MeshConfig serves ${served.addresses.size}`);

  const editMs: number[] = [];
  for (let e = 0; e < EDITS; e++) {
    const ns = e % NAMESPACES;
    const uid = `Kubernetes/networking.istio.io/WorkloadEntry/ns-${ns}/w-0`;
    const before = clients.map((c) => JSON.stringify(c.find(addressType, uid)));
    const t = performance.now();
    const done = Promise.all(clients.map((c, i) => new Promise<void>((resolve) => {
      const cancel = c.watch(addressType, uid, {
        onChanged: (value) => {
          if (JSON.stringify(value) === before[i]) return;
          cancel();
          resolve();
        },
        onRemoved: () => undefined,
        onError: () => undefined,
      });
    })));
    writeFileSync(join(configDir, `ns-${ns}-workloads.yaml`), workloads(ns, e + 100));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`edit ${e} did not reach every client in 10 s`)), 10_000)))]);
    clearTimeout(timer);
    editMs.push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  for (const c of clients) c.close();
  await daemon.close();
  rmSync(configDir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });

  console.log(`config: ${served.addresses.size} addresses, ${served.authorizations.size} authorizations, ${served.problems.length} problems; ${CLIENTS} clients, ${EDITS} edits`);
  console.log(formatRatioTable('ambientd: one-file edit to every client (baseline: MeshConfig.update alone)', [
    { name: 'MeshConfig.update p50', value: percentile(translateMs, 50), unit: 'ms', lowerIsBetter: true },
    { name: 'MeshConfig.update p99', value: percentile(translateMs, 99), unit: 'ms', lowerIsBetter: true },
    { name: 'edit → all clients p50', value: percentile(editMs, 50), unit: 'ms', lowerIsBetter: true },
    { name: 'edit → all clients p99', value: percentile(editMs, 99), unit: 'ms', lowerIsBetter: true },
    { name: 'start → all clients synced', value: startMs, unit: 'ms', lowerIsBetter: true },
  ], 'MeshConfig.update p99'));
  console.log(`target: edit → all clients p99 < 200 ms: ${percentile(editMs, 99) < 200 ? 'met' : 'MISSED'}`);
}

await main();
