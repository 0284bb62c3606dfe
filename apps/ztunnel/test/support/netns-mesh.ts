// A mesh in network namespaces for the capture test: ambientd as a host on the wire, one ztunnel per node with
// --capture iptables, workloads behind veths; processes started with `ip netns exec` and logging JSON on stderr.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binArgv } from '@ambient/core';
import { createTopology, removeLeftovers, runCommand, runPrefix, type Topology, type TopologySpec } from '@ambient/netns';
import { AMBIENT_NAMESPACE_YAML, workloadEntryYaml } from './mesh-yaml.js';
import { createNodeToken } from './processes.js';
import { waitFor } from './wait.js';

const AMBIENTD = fileURLToPath(new URL('../../../ambientd/bin/ambientd.js', import.meta.url));
const ZTUNNEL = fileURLToPath(new URL('../../bin/ztunnel.js', import.meta.url));
const QUICKSTART = fileURLToPath(new URL('../../../../packages/mesh-config/test/fixtures/quickstart', import.meta.url));
export const GRPC_PORT = 15012;

/**
 * An HTTP server for startNodeApp that listens on port 8080 at the address given as its argument and answers each
 * request with the body it got and the address its caller came from (`hello from echo, got [body] from <address>`):
 * one reply shows both that the payload went through the mesh and whose source address the server saw.
 */
export const HTTP_ECHO_APP = `require('http').createServer((q,s)=>{let b='';q.on('data',c=>b+=c).on('end',()=>s.end('hello from echo, got ['+b+'] from '+q.socket.remoteAddress+'\\n'))}).listen(8080,process.argv[1],()=>console.log('listening'))`;

/** Commands in a topology's namespaces, named by the workload or node that lives there. */
export interface NamespaceCommands {
  /** The namespace of the workload of this name, or else of the node of this name. */
  ns(workloadOrNode: string): string;
  /** Runs curl (-sS, at most 10 s) in `from`'s namespace with these arguments; resolves with what it printed. */
  curl(from: string, ...args: string[]): Promise<string>;
}

/** NamespaceCommands over the topology a test file creates in beforeAll: `topology` is read at each call. */
export function namespaceCommands(topology: () => Topology): NamespaceCommands {
  const ns = (workloadOrNode: string): string => topology().layout.workloads.find((w) => w.name === workloadOrNode)?.namespace ?? topology().node(workloadOrNode).namespace;
  const curl = (from: string, ...args: string[]): Promise<string> => topology().exec(ns(from), ['curl', '-sS', '--max-time', '10', ...args]);
  return { ns, curl };
}

/** A process inside a namespace whose stderr JSON lines are kept for assertions. */
export interface NsProcess {
  readonly child: ChildProcess;
  lines(): Record<string, unknown>[];
  /** Resolves with the first line whose msg is `msg`; rejects if the process exits first or after `ms`. */
  waitFor(msg: string, ms?: number): Promise<Record<string, unknown>>;
}

export function spawnLogged(topology: Topology, namespace: string, argv: readonly string[]): NsProcess {
  const child = topology.spawn(namespace, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const lines = (): Record<string, unknown>[] => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitFor = async (msg: string, ms = 90_000): Promise<Record<string, unknown>> => {
    const until = Date.now() + ms;
    for (;;) {
      const found = lines().find((l) => l['msg'] === msg);
      if (found) return found;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${argv.join(' ')} ended (${child.exitCode ?? child.signalCode}) before "${msg}":\n${text}`);
      if (Date.now() > until) throw new Error(`no "${msg}" from ${argv.join(' ')} within ${ms} ms:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, lines, waitFor };
}

/**
 * Starts a Node app (`node -e code args…`) in a namespace, its stdout piped; resolves once it printed something (the
 * apps here print a line once they listen), rejects if it exits first.
 */
export async function startNodeApp(topology: Topology, namespace: string, code: string, args: readonly string[] = []): Promise<ChildProcess> {
  const app = topology.spawn(namespace, [process.execPath, '-e', code, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    app.stdout?.once('data', () => resolve());
    app.once('exit', (code) => reject(new Error(`the app in ${namespace} exited (${code}) before it printed anything`)));
  });
  return app;
}

/** Which of a workload's addresses the mesh knows it by: IPv4 (`ip`) or, in an `ipv6` topology, IPv6 (`ip6`). */
export type Family = 4 | 6;

/**
 * The mesh's YAML: `echo` and each of `callers` as workloads, echo's VIP, and only the callers may call echo. With
 * family 6 the workloads are known by their IPv6 addresses (the VIP should then be IPv6 too).
 */
export function writeMeshConfig(dir: string, topology: Topology, vip: string, callers: readonly string[] = ['sleep'], family: Family = 4): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'namespace.yaml'), AMBIENT_NAMESPACE_YAML);
  writeWorkloads(dir, topology, [...callers, 'echo'], family);
  // The quickstart's echo service (port 80 → 8080), on a VIP routed through the nodes instead of a loopback one.
  writeFileSync(join(dir, 'services.yaml'), readFileSync(join(QUICKSTART, 'services.yaml'), 'utf8').replaceAll('127.96.0.10', vip));
  writeFileSync(join(dir, 'policies.yaml'), policy('echo-allow-callers', 'ALLOW', callers));
}

/** (Re)writes the mesh's workloads: one WorkloadEntry per topology workload named, on its node. */
export function writeWorkloads(dir: string, topology: Topology, names: readonly string[], family: Family = 4): void {
  const entry = (name: string): string => {
    const w = topology.workload(name);
    const address = family === 6 ? w.ip6 : w.ip;
    if (!address) throw new Error(`workload ${name} has no IPv${family} address: build the topology with ipv6: true`);
    return workloadEntryYaml(name, address, w.node);
  };
  writeFileSync(join(dir, 'workloads.yaml'), names.map(entry).join('---\n'));
}

/** An AuthorizationPolicy on echo for these callers' principals. */
export function policy(name: string, action: 'ALLOW' | 'DENY', callers: readonly string[] = ['sleep']): string {
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: default
spec:
  selector:
    matchLabels: { app: echo }
  action: ${action}
  rules:
    - from:
        - source:
            principals: [${callers.map((c) => `cluster.local/ns/default/sa/${c}`).join(', ')}]
`;
}

export function startAmbientd(topology: Topology, host: string, configDir: string, stateDir: string): NsProcess {
  const listen = `${topology.host(host).wireIp}:${GRPC_PORT}`;
  return spawnLogged(topology, topology.host(host).namespace, [
    process.execPath, AMBIENTD, '--config', configDir, '--state-dir', stateDir, '--grpc-listen', listen, '--debug-listen', '127.0.0.1:15014',
  ]);
}

/**
 * A topology for one test file, named after `family`: fails (never skips) without root, and first removes what a
 * crashed earlier run of the family left behind.
 */
export async function createFreshTopology(family: string, spec: Omit<TopologySpec, 'prefix'>): Promise<Topology> {
  const tables = spec.ipv6 ? 'ip6tables' : 'iptables';
  if (process.getuid?.() !== 0) throw new Error(`this test needs root (ip netns, veth pairs, ${tables}): run it as root, as CI does; it is not skipped on purpose`);
  await removeLeftovers(family);
  return createTopology({ prefix: runPrefix(family), ...spec });
}

/**
 * The control plane on host `cp`: the mesh's YAML (writeMeshConfig) in `<dir>/config`, ambientd with its state in
 * `<dir>/state`; resolves once ambientd is ready.
 */
export async function startMeshControlPlane(topology: Topology, dir: string, vip: string, callers?: readonly string[], family?: Family): Promise<{ stateDir: string; ambientd: NsProcess }> {
  const configDir = join(dir, 'config');
  const stateDir = join(dir, 'state');
  writeMeshConfig(configDir, topology, vip, callers, family);
  const ambientd = startAmbientd(topology, 'cp', configDir, stateDir);
  await ambientd.waitFor('ambientd ready');
  return { stateDir, ambientd };
}

/** Resolves once every one of these ztunnels logged "ztunnel ready". */
export async function waitUntilZtunnelsReady(ztunnels: Readonly<Record<string, NsProcess>>): Promise<void> {
  for (const ztunnel of Object.values(ztunnels)) await ztunnel.waitFor('ztunnel ready');
}

/** Kills every process inside the topology, deletes its namespaces with their rules, and removes `dir`. */
export async function destroyTopologyAndDir(topology: Topology | undefined, dir: string | undefined): Promise<void> {
  await topology?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A ztunnel with --capture iptables in `node`'s namespace; admin, metrics and readiness on that namespace's loopback. */
/** `args` are more ztunnel flags (--dns-capture …). */
export function startCapturingZtunnel(topology: Topology, node: string, controlPlane: string, dir: string, stateDir: string, args: readonly string[] = []): NsProcess {
  return spawnLogged(topology, topology.node(node).namespace, [...capturingZtunnelArgv(topology, node, controlPlane, dir, stateDir), ...args]);
}

/** The command line of such a ztunnel (its node token written to `dir`); `nodeFlags` go to node itself (--cpu-prof). */
export function capturingZtunnelArgv(topology: Topology, node: string, controlPlane: string, dir: string, stateDir: string, nodeFlags: readonly string[] = []): string[] {
  const tokenFile = join(dir, `${node}.token`);
  writeFileSync(tokenFile, createNodeToken(stateDir, node));
  return [
    process.execPath, ...nodeFlags, ...binArgv(ZTUNNEL, ['--node', node]), '--capture', 'iptables', '--workload-interfaces', `${topology.node(node).workloadInterfacePrefix}+`,
    '--xds-address', `${topology.host(controlPlane).wireIp}:${GRPC_PORT}`, '--token-file', tokenFile, '--root-cert', join(stateDir, 'root-cert.pem'),
    '--admin-listen', '127.0.0.1:15000', '--metrics-listen', '127.0.0.1:15020', '--readiness-listen', '127.0.0.1:15021',
  ];
}

/** The "connection complete" access-log lines of a ztunnel in one direction ('inbound' or 'outbound'). */
export function completedConnections(ztunnel: NsProcess | undefined, direction: string): Record<string, unknown>[] {
  return ztunnel?.lines().filter((l) => l['msg'] === 'connection complete' && l['direction'] === direction) ?? [];
}

/** waitFor with the pace of namespaced tests: every 200 ms, for up to 20 s by default. */
export function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000): Promise<T> {
  return waitFor(what, check, ms, 200);
}

/**
 * Runs tcpdump (`filter`) on each of `interfaces` of a namespace while `action` runs, writing `<dir>/<name>.pcap` per
 * interface; resolves with those files once every capture has flushed and exited.
 */
export async function captureDuring(topology: Topology, namespace: string, dir: string, interfaces: Readonly<Record<string, string>>, filter: string, action: () => Promise<void>): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const captures = Object.entries(interfaces).map(([name, iface]) => {
    const file = join(dir, `${name}.pcap`);
    files[name] = file;
    return topology.spawn(namespace, ['tcpdump', '-i', iface, '-U', '--immediate-mode', '-n', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  });
  for (const c of captures) {
    if (!c.stderr) throw new Error('tcpdump has no stderr pipe');
    await once(c.stderr, 'data'); // "listening on …"
  }
  try {
    await action();
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    for (const c of captures) {
      const exited = once(c, 'exit');
      c.kill('SIGINT');
      await exited;
    }
  }
  return files;
}

/** How many packets of a pcap file match a tcpdump filter. */
export async function countPackets(file: string, filter: string): Promise<number> {
  return (await runCommand(['tcpdump', '-r', file, '-nn', filter])).split('\n').filter((l) => l.trim() !== '').length;
}
