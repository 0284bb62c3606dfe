// The capture bench's world: network namespaces from @ambient/netns (node-a with sleep, node-b with echo, ambientd
// on the wire), two ztunnel processes with --capture iptables as the netns test runs them (logging to files, as a
// container runtime would collect them), the bench's own nat rules ahead of ztunnel's chain, and processes in
// namespaces. Every exit path removes the namespaces: destroy(), the Topology's exit hook, SIGINT/SIGTERM.
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTopology, removeLeftovers, runPrefix, type Topology } from '@ambient/netns';
import { capturingZtunnelArgv, startAmbientd, writeMeshConfig, type NsProcess } from '../test/support/netns-mesh.js';
import type { ClientJob } from './capture-client.js';

const FAMILY = 'ambztbench';
const VIP = '10.96.0.10';
const LOADER = fileURLToPath(new URL('../../../tools/source-loader.mjs', import.meta.url));
const CLIENT = fileURLToPath(new URL('./capture-client.ts', import.meta.url));

export interface CaptureMesh {
  readonly topology: Topology;
  /** Namespace of a workload or node by name. */
  ns(name: string): string;
  /** The ztunnel processes, node-a then node-b. */
  readonly ztunnelPids: readonly [number, number];
  /** Drains the ztunnels (a --cpu-prof profile is written then) and removes every namespace. */
  stop(): Promise<void>;
}

/** `nodeFlags` go to node itself (--cpu-prof); `ztunnelArgs` to both ztunnels (--preserve-source false). */
export async function startCaptureMesh(dir: string, nodeFlags: readonly string[] = [], ztunnelArgs: readonly string[] = []): Promise<CaptureMesh> {
  await removeLeftovers(FAMILY);
  const topology = await createTopology({
    prefix: runPrefix(FAMILY),
    nodes: [{ name: 'node-a', workloads: ['sleep'] }, { name: 'node-b', workloads: ['echo'] }],
    hosts: ['cp'],
  });
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    const exits = children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve()));
    for (const c of children) c.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 10_000))]);
    await topology.destroy();
  };
  const interrupted = (): void => void stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const stateDir = join(dir, 'state');
    writeMeshConfig(join(dir, 'config'), topology, VIP, ['sleep']);
    const ambientd: NsProcess = startAmbientd(topology, 'cp', join(dir, 'config'), stateDir);
    await ambientd.waitFor('ambientd ready');
    for (const node of ['node-a', 'node-b']) {
      const log = openSync(join(dir, `${node}.log`), 'a');
      children.push(topology.spawn(topology.node(node).namespace, [...capturingZtunnelArgv(topology, node, 'cp', dir, stateDir, nodeFlags), ...ztunnelArgs], { stdio: ['ignore', 'ignore', log] }));
      closeSync(log);
    }
    for (const node of ['node-a', 'node-b']) await waitForLog(join(dir, `${node}.log`), 'ztunnel ready');
  } catch (err) {
    await stop();
    throw err;
  }
  const ns = (name: string): string => topology.layout.workloads.find((w) => w.name === name)?.namespace ?? topology.node(name).namespace;
  return { topology, ns, ztunnelPids: [children[0]?.pid ?? 0, children[1]?.pid ?? 0], stop };
}

/** Polls a JSON-lines log file for a line with this msg (a ztunnel compiles its TypeScript on start: seconds). */
async function waitForLog(file: string, msg: string, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const text = readFileSync(file, 'utf8');
    if (text.includes(`"msg":"${msg}"`)) return;
    if (Date.now() > until) throw new Error(`no "${msg}" in ${file} within ${ms} ms:\n${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Nat rules the bench puts ahead of ztunnel's chain (inserted first in PREROUTING) in a node's namespace. */
export const benchRules = {
  /** Traffic to this destination port passes the node untouched: the direct path. */
  exempt: (port: number): string[] => ['-I', 'PREROUTING', '1', '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'],
  /** A workload's connections to this destination port go to a local proxy of the bench's (stunnel's client side). */
  redirect: (port: number, to: number): string[] => ['-I', 'PREROUTING', '1', '-i', 'vw+', '-p', 'tcp', '--dport', String(port), '-j', 'REDIRECT', '--to-ports', String(to)],
};

export async function addRule(topology: Topology, namespace: string, rule: readonly string[]): Promise<void> {
  await topology.exec(namespace, ['iptables', '-w', '5', '-t', 'nat', ...rule]);
}

/** Runs one job of capture-client.ts in `namespace`; resolves with its JSON result. */
export async function clientJob<T>(topology: Topology, namespace: string, job: ClientJob): Promise<T> {
  const out = await topology.exec(namespace, [process.execPath, '--import', LOADER, CLIENT, JSON.stringify(job)]);
  return JSON.parse(out) as T;
}

/** Starts a long-running job (echo servers) in `namespace`; resolves once it printed its READY line. */
export async function startClientJob(topology: Topology, namespace: string, job: ClientJob): Promise<ChildProcess> {
  const child = topology.spawn(namespace, [process.execPath, '--import', LOADER, CLIENT, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`capture-client ${job.job} exited with ${code} before it was ready`)));
  });
  return child;
}

/** Resolves once something listens on TCP `port` inside `namespace` (a process started there, e.g. stunnel). */
export async function waitForListener(topology: Topology, namespace: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await topology.exec(namespace, ['ss', '-Hltn', `sport = :${port}`])).trim() !== '') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on port ${port} in ${namespace}`);
}
