// A generated mesh for the bench: N WorkloadEntries, ServiceEntries selecting them and AuthorizationPolicies, in
// files of 100 objects, across 10 ambient namespaces. Loopback addresses only.
import type { ConfigFile } from '../src/index.js';

const NAMESPACES = 10;
const PER_FILE = 100;

export interface MeshSize {
  readonly workloads: number;
  readonly services: number;
  readonly policies: number;
}

const ns = (i: number) => `ns-${i % NAMESPACES}`;

function workload(i: number, generation = 0): string {
  return `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: w-${i}, namespace: ${ns(i)} }
spec:
  address: 127.1.${i >> 8}.${i & 255}
  serviceAccount: sa-${i % 50}
  labels: { app: app-${i % 200}, version: v${generation}, ambient.dev/node: node-${i % 10} }
  locality: region/zone-${i % 3}
`;
}

function service(i: number): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: svc-${i}, namespace: ${ns(i)} }
spec:
  hosts: [svc-${i}.${ns(i)}.mesh]
  addresses: [127.96.${i >> 8}.${i & 255}]
  ports: [{ number: 80, targetPort: 8080, name: http }, { number: 9090, name: grpc-admin }]
  resolution: STATIC
  workloadSelector: { labels: { app: app-${i} } }
`;
}

function policy(i: number): string {
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-${i}, namespace: ${ns(i)} }
spec:
  selector: { matchLabels: { app: app-${i % 200} } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [cluster.local/ns/${ns(i + 1)}/sa/sa-${i % 50}], ipBlocks: [127.1.0.0/16] } }]
      to: [{ operation: { ports: ["8080"] } }]
`;
}

function files(prefix: string, count: number, render: (i: number) => string): ConfigFile[] {
  const out: ConfigFile[] = [];
  for (let start = 0; start < count; start += PER_FILE) {
    const docs = [];
    for (let i = start; i < Math.min(count, start + PER_FILE); i++) docs.push(render(i));
    out.push({ path: `${prefix}-${start / PER_FILE}.yaml`, text: docs.join('---\n') });
  }
  return out;
}

export function generateMesh(size: MeshSize): ConfigFile[] {
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${i}\n  labels: { istio.io/dataplane-mode: ambient }\n`);
  return [
    { path: 'namespaces.yaml', text: namespaces.join('---\n') },
    ...files('workloads', size.workloads, (i) => workload(i)),
    ...files('services', size.services, service),
    ...files('policies', size.policies, policy),
  ];
}

/** The first workload file with every workload's version label bumped: a one-file edit. */
export function editedWorkloadFile(generation: number): ConfigFile {
  const docs = [];
  for (let i = 0; i < PER_FILE; i++) docs.push(workload(i, generation));
  return { path: 'workloads-0.yaml', text: docs.join('---\n') };
}
