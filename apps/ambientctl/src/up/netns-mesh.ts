// `up --netns`: the example's mesh in network namespaces (root, Linux): a topology from @ambient/netns, the config
// rewritten to the namespaces' addresses, ambientd as a host on the wire, one ztunnel per node namespace with
// --capture iptables, the sample apps in their workloads' namespaces, and service names in each workload's hosts file.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MeshConfig, formatProblem } from '@ambient/mesh-config';
import { createTopology, inNamespace, listNamespaces, removeLeftovers, runPrefix, type Topology } from '@ambient/netns';
import { AmbientctlError } from '../errors.js';
import type { RunFile } from '../run-file.js';
import { BINS } from './bins.js';
import type { AmbientLayout } from './layout.js';
import { MESH_SUBDIR, readMeshFiles } from './load.js';
import { CONTROL_PLANE_HOST, hostsFile, netnsTopologySpec, NETNS_FAMILY, rewriteForNetns, topologyName } from './netns-plan.js';
import type { UpPlan } from './plan.js';
import type { Supervisor } from './supervisor.js';
import { writeNodeToken } from './tokens.js';

const STARTUP_TIMEOUT_MS = 90_000;
const IN_NODE = { admin: '127.0.0.1:15000', metrics: '127.0.0.1:15020', readiness: '127.0.0.1:15021' } as const;

export interface NetnsStart {
  readonly dir: string;
  readonly print: (line: string) => void;
  /** Called once the topology exists, with what removes it (namespaces and hosts files). */
  readonly onCleanup: (cleanup: () => Promise<void>) => void;
}

export async function startNetnsMesh(plan: UpPlan, layout: AmbientLayout, o: NetnsStart, s: Supervisor): Promise<RunFile> {
  await removeLeftovers(NETNS_FAMILY);
  await removeStaleHostsFiles();
  const topology = await createTopology({ prefix: runPrefix(NETNS_FAMILY), ...netnsTopologySpec(plan) });
  const hostsDirs = plan.workloads.map((w) => join('/etc/netns', topology.workload(topologyName(w)).namespace));
  o.onCleanup(async () => {
    await topology.destroy();
    for (const dir of hostsDirs) await rm(dir, { recursive: true, force: true });
  });
  o.print(`network namespaces ready (${topology.layout.namespaces.length}, prefix ${topology.layout.prefix})`);
  const ip = (w: { namespace: string; name: string }): string => topology.workload(topologyName(w)).ip;
  const meshDir = await writeNetnsConfig(layout, o.dir, new Map(plan.workloads.map((w) => [`${w.namespace}/${w.name}`, ip(w)])));
  for (const dir of hostsDirs) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'hosts'), hostsFile(plan));
  }

  const cp = topology.host(CONTROL_PLANE_HOST);
  const grpc = `${cp.wireIp}:15012`;
  const ambientd = s.startBin('ambientd', BINS.ambientd, ['--config', meshDir, '--state-dir', layout.stateDir, '--grpc-listen', grpc, '--debug-listen', '127.0.0.1:15014'], inNamespace(cp.namespace, []));
  await s.waitFor('ambientd readiness', STARTUP_TIMEOUT_MS, async () => ((await statusIn(cp.namespace, 'http://127.0.0.1:15014/ready')) === 200 ? true : undefined));
  o.print(`ambientd ready (xDS and CA on ${grpc} in namespace ${cp.namespace})`);

  const rootCert = join(layout.stateDir, 'root-cert.pem');
  const ztunnels = [];
  for (const z of plan.ztunnels) {
    const n = topology.node(z.node);
    const tokenFile = await writeNodeToken(layout, z.node);
    const args = ['--node', z.node, '--capture', 'iptables', '--workload-interfaces', `${n.workloadInterfacePrefix}+`, '--xds-address', grpc, '--token-file', tokenFile, '--root-cert', rootCert];
    const flags = ['--admin-listen', IN_NODE.admin, '--metrics-listen', IN_NODE.metrics, '--readiness-listen', IN_NODE.readiness];
    ztunnels.push({ node: z.node, netns: n.namespace, component: s.startBin(`ztunnel ${z.node}`, BINS.ztunnel, [...args, ...flags], inNamespace(n.namespace, [])) });
  }
  for (const z of ztunnels) {
    await s.waitFor(`ztunnel ${z.node} readiness`, STARTUP_TIMEOUT_MS, async () => ((await statusIn(z.netns, `http://${IN_NODE.readiness}/healthz/ready`)) === 200 ? true : undefined));
    const local = plan.workloads.filter((w) => w.node === z.node).length;
    o.print(`ztunnel ${z.node} ready (${local} workload${local === 1 ? '' : 's'}, certificates issued, iptables capture in ${z.netns})`);
  }
  const apps = [];
  for (const app of plan.apps) {
    const w = plan.workloads.find((x) => `${x.namespace}/${x.name}` === app.workload);
    if (w === undefined) continue;
    const ns = topology.workload(topologyName(w)).namespace;
    const listen = `${ip(w)}:${app.port}`;
    apps.push({ workload: app.workload, listen, ns, component: s.startBin(`app ${app.workload}`, BINS.ambientctl, ['sample-app', app.kind, '--workload', app.workload, '--listen', listen], inNamespace(ns, [])) });
  }
  for (const app of apps) {
    await s.waitFor(`app ${app.workload}`, STARTUP_TIMEOUT_MS, async () => ((await statusIn(app.ns, `http://${app.listen}/`)) === 200 ? true : undefined));
    o.print(`app ${app.workload} ready (on ${app.listen} in ${app.ns})`);
  }
  return runFile(plan, topology, o.dir, { ambientdPid: ambientd.pid, grpc, stateDir: layout.stateDir, rootCert }, ztunnels, apps);
}

function runFile(
  plan: UpPlan,
  topology: Topology,
  dir: string,
  cp: { ambientdPid: number; grpc: string; stateDir: string; rootCert: string },
  ztunnels: readonly { node: string; netns: string; component: { pid: number } }[],
  apps: readonly { workload: string; listen: string; component: { pid: number } }[],
): RunFile {
  return {
    version: 1,
    dir,
    mode: 'netns',
    startedAt: new Date().toISOString(),
    pid: process.pid,
    ambientd: { pid: cp.ambientdPid, grpc: cp.grpc, debug: '127.0.0.1:15014', stateDir: cp.stateDir, rootCert: cp.rootCert, netns: topology.host(CONTROL_PLANE_HOST).namespace },
    ztunnels: ztunnels.map((z) => ({ node: z.node, pid: z.component.pid, ...IN_NODE, netns: z.netns })),
    workloads: plan.workloads.map((w) => {
      const t = topology.workload(topologyName(w));
      return { namespace: w.namespace, name: w.name, address: t.ip, node: w.node, netns: t.namespace };
    }),
    apps: apps.map((a) => ({ workload: a.workload, pid: a.component.pid, listen: a.listen })),
  };
}

/** Writes the example's mesh/ with the namespaces' addresses under .ambient/netns/mesh and checks it as ambientd will. */
async function writeNetnsConfig(layout: AmbientLayout, dir: string, addresses: ReadonlyMap<string, string>): Promise<string> {
  const out = join(layout.stateDir, '..', 'netns', MESH_SUBDIR);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const files = (await readMeshFiles(join(dir, MESH_SUBDIR))).map((f) => ({ path: join(out, basename(f.path)), text: rewriteForNetns(f.text, addresses) }));
  for (const f of files) await writeFile(f.path, f.text);
  const problems = new MeshConfig().update(files).problems;
  if (problems.length > 0) throw new AmbientctlError('AMBIENTCTL_ERR_UP', `the config rewritten for --netns has problems: ${problems.map(formatProblem).join('; ')}`);
  return out;
}

/** The HTTP status of a GET made inside a namespace (curl there), or undefined when nothing answered. */
function statusIn(namespace: string, url: string): Promise<number | undefined> {
  const [command, ...args] = inNamespace(namespace, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', url]) as [string, ...string[]];
  return new Promise((resolve) => execFile(command, args, (_err, stdout) => resolve(Number(stdout) || undefined)));
}

/** Hosts files of earlier runs whose namespaces are gone (a supervisor killed outright could not remove them). */
async function removeStaleHostsFiles(): Promise<void> {
  const live = new Set(await listNamespaces());
  const entries = await readdir('/etc/netns').catch(() => [] as string[]);
  for (const name of entries) if (name.startsWith(`${NETNS_FAMILY}-`) && !live.has(name)) await rm(join('/etc/netns', name), { recursive: true, force: true });
}
