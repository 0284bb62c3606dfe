// createTopology(spec): builds the namespaces of a layout for real, and a Topology whose destroy() removes them
// (also on process exit, and on a failure half-way through building).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { removeNamespaces, removeNamespacesSync } from './cleanup.js';
import { inNamespace, runCommand, type CommandRunner } from './command.js';
import { NetnsError } from './errors.js';
import { buildCommands, layoutTopology, type HostLayout, type Layout, type NodeLayout, type TopologySpec, type WorkloadLayout } from './layout.js';

export class Topology {
  readonly layout: Layout;
  readonly #run: CommandRunner;
  readonly #onExit = (): void => removeNamespacesSync(this.layout.namespaces);
  #destroyed: Promise<void> | undefined;

  constructor(layout: Layout, run: CommandRunner) {
    this.layout = layout;
    this.#run = run;
    process.once('exit', this.#onExit);
  }

  node(name: string): NodeLayout {
    return find(this.layout.nodes, name, 'node');
  }

  workload(name: string): WorkloadLayout {
    return find(this.layout.workloads, name, 'workload');
  }

  host(name: string): HostLayout {
    return find(this.layout.hosts, name, 'host');
  }

  /** Runs a command to completion inside a namespace; resolves with its stdout. */
  exec(namespace: string, argv: readonly string[]): Promise<string> {
    return this.#run(inNamespace(namespace, argv));
  }

  /** Starts a long-running process inside a namespace (`ip netns exec` replaces itself, so the pid is the program's). */
  spawn(namespace: string, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const [command, ...args] = inNamespace(namespace, argv);
    return spawn(command as string, args, options);
  }

  /** Kills every process left in the namespaces and deletes them all. Idempotent. */
  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      process.off('exit', this.#onExit);
      await removeNamespaces([...this.layout.namespaces].reverse(), this.#run);
    })();
    return this.#destroyed;
  }
}

/** Lays out `spec` and builds it; on any failure removes what was built and rethrows. */
export async function createTopology(spec: TopologySpec, options: { run?: CommandRunner } = {}): Promise<Topology> {
  const layout = layoutTopology(spec);
  if (process.getuid?.() !== 0) {
    throw new NetnsError('NETNS_ERR_PRIVILEGE', 'network namespaces need root (CAP_NET_ADMIN): run as root, as CI does');
  }
  const run = options.run ?? runCommand;
  const topology = new Topology(layout, run);
  try {
    for (const argv of buildCommands(layout, spec.loopback ?? true)) await run(argv);
  } catch (err) {
    await topology.destroy().catch(() => undefined);
    throw err;
  }
  return topology;
}

function find<T extends { name: string }>(list: readonly T[], name: string, what: string): T {
  const found = list.find((x) => x.name === name);
  if (!found) throw new NetnsError('NETNS_ERR_SPEC', `no ${what} named "${name}" in this topology (have: ${list.map((x) => x.name).join(', ') || 'none'})`);
  return found;
}
