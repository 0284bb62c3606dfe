// The capture bench's world: network namespaces from @ambient/netns (node-a with sleep, node-b with echo, ambientd
// on the wire), two ztunnel processes with --capture iptables as the netns test runs them (logging to files, as a
// container runtime would collect them), the bench's own nat rules ahead of ztunnel's chain, and processes in
// namespaces. Every exit path removes the namespaces: destroy(), the Topology's exit hook, SIGINT/SIGTERM.
// BENCH_PIN=1 gives each node a core of its own: every process of a node (its ztunnel, its workloads, a proxy or
// client in them) runs under `taskset` on that node's core. Unpinned, where the scheduler puts these processes
// differs from one launch to the next, and so does the keep-alive p50 (+0.095 to +0.160 ms over direct with the
// same code); pinned, it holds still (+0.105 to +0.144 over four launches), which is what an A/B of a latency
// change needs. It is not the default: with one core per node, shared by the proxy, its clients and Node's own
// threads, a full run read 0.85 / 0.59 CPU-ms per new connection (node-a / node-b) against 0.47 / 0.52 unpinned.
// Every node and workload namespace gets net.ipv4.tcp_tw_reuse=1 (TW_REUSE): all of the bench's connections go from one
// client address to one server address and port, and each leaves a TIME_WAIT socket in sleep's namespace (the client
// closes first) and, on the ztunnel path, in node-b's (its connection to echo closes first). Past about 14,000 of them
// (half the ephemeral range, the ports connect() tries first) a connect() walks the port range for a free 4-tuple:
// measured, node-b's CPU per connection went 0.30 -> 3.3 ms and the rate 1,800 -> 250/s within one 16-s run, and
// the direct path slows too. With reuse, a TIME_WAIT older than a second gives its 4-tuple to a new connection
// (TCP timestamps keep that safe), as proxies are commonly tuned; it is the same for all three paths.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTopology, removeLeftovers, runPrefix, type Topology } from '@ambient/netns';
import { capturingZtunnelArgv, namespaceCommands, startAmbientd, writeMeshConfig, type NsProcess } from '../test/support/netns-mesh.js';
import type { ClientJob } from './capture-client.js';

const FAMILY = 'ambztbench';
const TW_REUSE = ['sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=1'];
const VIP = '10.96.0.10';
const LOADER = fileURLToPath(new URL('../../../tools/source-loader.mjs', import.meta.url));
const CLIENT = fileURLToPath(new URL('./capture-client.ts', import.meta.url));

export interface CaptureMesh {
  readonly topology: Topology;
  /** Namespace of a workload or node by name. */
  ns(name: string): string;
  /** Starts a long-running process in a workload's or node's namespace, on that node's core. */
  spawn(place: string, argv: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Runs a command to completion in a workload's or node's namespace, on that node's core; resolves with stdout. */
  exec(place: string, argv: readonly string[]): Promise<string>;
  /** Whether each node's processes are pinned to a core of their own. */
  readonly pinned: boolean;
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
  for (const place of [...topology.layout.nodes, ...topology.layout.workloads]) await topology.exec(place.namespace, TW_REUSE);
  const pinned = process.env['BENCH_PIN'] === '1' && availableParallelism() >= 2;
  const nodeOf = (place: string): string => topology.layout.workloads.find((w) => w.name === place)?.node ?? topology.node(place).name;
  const { ns } = namespaceCommands(() => topology);
  const onCore = (place: string, argv: readonly string[]): string[] => {
    if (!pinned) return [...argv];
    const core = topology.layout.nodes.findIndex((n) => n.name === nodeOf(place)) % availableParallelism();
    return ['taskset', '-c', String(core), ...argv];
  };
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
      children.push(topology.spawn(ns(node), onCore(node, [...capturingZtunnelArgv(topology, node, 'cp', dir, stateDir, nodeFlags), ...ztunnelArgs]), { stdio: ['ignore', 'ignore', log] }));
      closeSync(log);
    }
    for (const node of ['node-a', 'node-b']) await waitForLog(join(dir, `${node}.log`), 'ztunnel ready');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    topology,
    ns,
    spawn: (place, argv, options = {}) => topology.spawn(ns(place), onCore(place, argv), options),
    exec: (place, argv) => topology.exec(ns(place), onCore(place, argv)),
    pinned,
    ztunnelPids: [children[0]?.pid ?? 0, children[1]?.pid ?? 0],
    stop,
  };
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

export async function addRule(mesh: CaptureMesh, node: string, rule: readonly string[]): Promise<void> {
  await mesh.exec(node, ['iptables', '-w', '5', '-t', 'nat', ...rule]);
}

/** Runs one job of capture-client.ts in a workload's namespace; resolves with its JSON result. */
export async function clientJob<T>(mesh: CaptureMesh, place: string, job: ClientJob): Promise<T> {
  const out = await mesh.exec(place, [process.execPath, '--import', LOADER, CLIENT, JSON.stringify(job)]);
  return JSON.parse(out) as T;
}

/** Starts a long-running job (echo servers) in a workload's namespace; resolves once it printed its READY line. */
export async function startClientJob(mesh: CaptureMesh, place: string, job: ClientJob): Promise<ChildProcess> {
  const child = mesh.spawn(place, [process.execPath, '--import', LOADER, CLIENT, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`capture-client ${job.job} exited with ${code} before it was ready`)));
  });
  return child;
}

/** Resolves once something listens on TCP `port` in a workload's or node's namespace (e.g. stunnel started there). */
export async function waitForListener(mesh: CaptureMesh, place: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await mesh.exec(place, ['ss', '-Hltn', `sport = :${port}`])).trim() !== '') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on port ${port} in ${place}`);
}
