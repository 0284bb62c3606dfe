// What `up` will start, decided before any process runs: one ztunnel per node named by the WorkloadEntries'
// ambient.dev/node labels, fixed loopback addresses for every component, the sample apps on their workloads'
// addresses. Pure, so the addresses and the refusals are table-tested.
import type { Policy } from '@ambient/l4-authz';
import { fromXdsAuthorizations } from '@ambient/l4-authz/xds';
import { formatProblem, ipText, type TranslatedConfig } from '@ambient/mesh-config';
import { AmbientctlError } from '../errors.js';
import { hostPort, WORKLOAD_PORTS } from './addresses.js';
import type { ExampleSpec, SampleApp } from './example.js';

export { hostPort, WORKLOAD_PORTS } from './addresses.js';

/** ambientd's address; ztunnel N (nodes in name order) gets 127.1.0.N. Chosen so no other test collides. */
export const AMBIENTD_HOST = '127.1.0.254';
export const ZTUNNEL_PORTS = { admin: 15000, metrics: 15020, readiness: 15021 } as const;
const MAX_NODES = 253;

export interface PlannedWorkload {
  readonly namespace: string;
  readonly name: string;
  readonly address: string;
  readonly node: string;
  readonly trustDomain: string;
  readonly serviceAccount: string;
  /** Keys of the WORKLOAD_SELECTOR policies that select it, as ambientd sends them. */
  readonly authorizationPolicies: readonly string[];
}

export interface PlannedZtunnel {
  readonly node: string;
  readonly admin: string;
  readonly metrics: string;
  readonly readiness: string;
}

export interface PlannedApp extends SampleApp {
  readonly listen: string;
}

export interface UpPlan {
  readonly ambientd: { readonly grpc: string; readonly debug: string };
  readonly ztunnels: readonly PlannedZtunnel[];
  readonly workloads: readonly PlannedWorkload[];
  readonly apps: readonly PlannedApp[];
  readonly walkthrough: ExampleSpec['walkthrough'];
  /** The policies ambientd will serve, for explaining a denial. */
  readonly policies: readonly Policy[];
  /** Service host names and their VIPs (--netns writes them into each workload's hosts file). */
  readonly services: readonly { readonly hostname: string; readonly vips: readonly string[] }[];
}

/** Every address `up` will listen on, with what it is for: checked free before anything starts. */
export function plannedListeners(plan: UpPlan): { address: string; what: string }[] {
  return [
    { address: plan.ambientd.grpc, what: 'ambientd xDS/CA' },
    { address: plan.ambientd.debug, what: 'ambientd debug' },
    ...plan.ztunnels.flatMap((z) => [
      { address: z.admin, what: `ztunnel ${z.node} admin` },
      { address: z.metrics, what: `ztunnel ${z.node} metrics` },
      { address: z.readiness, what: `ztunnel ${z.node} readiness` },
    ]),
    ...plan.workloads.flatMap((w) =>
      Object.entries(WORKLOAD_PORTS).map(([port, n]) => ({ address: hostPort(w.address, n), what: `${w.namespace}/${w.name} ${port}` })),
    ),
    ...plan.apps.map((a) => ({ address: a.listen, what: `app ${a.workload}` })),
  ];
}

/** Plans the mesh; a config with problems or an example naming an unknown workload is refused, naming the file. */
export function planMesh(config: TranslatedConfig, example: ExampleSpec, exampleFile: string): UpPlan {
  const problems = config.problems.map(formatProblem);
  if (problems.length > 0) throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `the mesh config has ${problems.length} problem(s): ${problems.join('; ')}`);
  const workloads = placedWorkloads(config);
  const nodes = [...new Set(workloads.map((w) => w.node))].sort();
  if (nodes.length === 0) throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', 'no WorkloadEntry names a node (label ambient.dev/node), so there is no ztunnel to start');
  if (nodes.length > MAX_NODES) throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `${nodes.length} nodes named; up runs at most ${MAX_NODES}`);
  const byRef = new Map(workloads.map((w) => [`${w.namespace}/${w.name}`, w]));
  const known = (ref: string, at: string): PlannedWorkload => {
    const w = byRef.get(ref);
    if (w === undefined) throw new AmbientctlError('AMBIENTCTL_ERR_INPUT', `${exampleFile}: ${at} names ${ref}, which is not a workload on a node (known: ${[...byRef.keys()].join(', ')})`);
    return w;
  };
  const apps = example.apps.map((a, i) => ({ ...a, listen: hostPort(known(a.workload, `apps[${i}]`).address, a.port) }));
  if (example.walkthrough) {
    known(example.walkthrough.allowed.from, 'walkthrough.allowed.from');
    known(example.walkthrough.denied.from, 'walkthrough.denied.from');
  }
  return {
    ambientd: { grpc: `${AMBIENTD_HOST}:15012`, debug: `${AMBIENTD_HOST}:15014` },
    ztunnels: nodes.map((node, i) => {
      const host = `127.1.0.${i + 1}`;
      return { node, admin: `${host}:${ZTUNNEL_PORTS.admin}`, metrics: `${host}:${ZTUNNEL_PORTS.metrics}`, readiness: `${host}:${ZTUNNEL_PORTS.readiness}` };
    }),
    workloads,
    apps,
    walkthrough: example.walkthrough,
    policies: fromXdsAuthorizations([...config.authorizations.values()]).accepted,
    services: [...config.addresses.values()].flatMap((a) => (a.type.case === 'service' ? [{ hostname: a.type.value.hostname, vips: a.type.value.addresses.map((v) => ipText(v.address)) }] : [])),
  };
}

/** Workloads that name a node, in namespace/name order, with their first IPv4 or IPv6 address as text. */
function placedWorkloads(config: TranslatedConfig): PlannedWorkload[] {
  const out: PlannedWorkload[] = [];
  for (const address of config.addresses.values()) {
    if (address.type.case !== 'workload') continue;
    const w = address.type.value;
    const ip = w.addresses[0];
    if (w.node === '' || ip === undefined) continue;
    out.push({ namespace: w.namespace, name: w.name, address: ipText(ip), node: w.node, trustDomain: w.trustDomain, serviceAccount: w.serviceAccount, authorizationPolicies: [...w.authorizationPolicies] });
  }
  return out.sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
}

