// `ambientctl ztunnel-config` (zc): what a ztunnel knows — workloads, services, policies, certificates, open
// connections — from its /config_dump, as istioctl prints it; `log` reads and sets its log level.
import type { Command } from 'commander';
import { usageError } from '../../errors.js';
import { render, parseOutputMode } from '../../output/format.js';
import { formatTable } from '../../output/table.js';
import { certificateTable, selectCertificates } from '../../ztunnel-config/certificates.js';
import { connectionTable, DIRECTIONS, selectConnections, type ConnectionFilter, type Direction } from '../../ztunnel-config/connections.js';
import { allData, allText } from '../../ztunnel-config/all.js';
import { setLogLevel } from '../../ztunnel-config/log.js';
import { policyTable, selectPolicies } from '../../ztunnel-config/policies.js';
import { loadDumps, type SourceOptions } from '../../ztunnel-config/source.js';
import type { ConfigDump } from '../../ztunnel-config/dump.js';
import type { Table } from '../../ztunnel-config/table.js';
import { selectServices, selectWorkloads, serviceTable, workloadTable } from '../../ztunnel-config/workloads.js';
import type { CommandContext } from '../context.js';

interface Common extends SourceOptions {
  readonly output?: string;
}

export function registerZtunnelConfig(program: Command, context: CommandContext): void {
  const zc = program
    .command('ztunnel-config')
    .alias('zc')
    .description("show what a ztunnel knows, from its /config_dump (the local mesh's ztunnels, --node NAME, --admin HOST:PORT or --file DUMP.json)");

  view(zc, 'workload', ['workloads', 'w'], 'list the workloads: NAMESPACE, POD NAME, ADDRESS, NODE, WAYPOINT, PROTOCOL')
    .option('--address <ip>', 'only the workload with this address')
    .option('--workload-namespace <ns>', 'only workloads in this namespace')
    .option('--workload-node <node>', 'only workloads on this node')
    .action(async (opts: Common & { address?: string; workloadNamespace?: string; workloadNode?: string }) => {
      const filter = { address: opts.address, namespace: opts.workloadNamespace, node: opts.workloadNode };
      await show(context, opts, 'first', (d) => selectWorkloads(one(d), filter), (d) => workloadTable(one(d), filter));
    });

  view(zc, 'service', ['services', 'svc', 's'], 'list the services: NAMESPACE, SERVICE NAME, SERVICE VIP, WAYPOINT, ENDPOINTS (healthy/total)')
    .option('--service-namespace <ns>', 'only services in this namespace')
    .action(async (opts: Common & { serviceNamespace?: string }) => {
      await show(context, opts, 'first', (d) => selectServices(one(d), opts.serviceNamespace), (d) => serviceTable(one(d), opts.serviceNamespace));
    });

  view(zc, 'policy', ['policies', 'pol', 'p'], 'list the authorization policies: NAMESPACE, POLICY NAME, ACTION, SCOPE')
    .option('--policy-namespace <ns>', 'only policies in this namespace')
    .action(async (opts: Common & { policyNamespace?: string }) => {
      await show(context, opts, 'first', (d) => selectPolicies(one(d), opts.policyNamespace), (d) => policyTable(one(d), opts.policyNamespace));
    });

  view(zc, 'certificate', ['certificates', 'certs', 'cert'], "list the workload certificates of every ztunnel (or --node's): leaf, intermediates and roots with validity")
    .action(async (opts: Common) => {
      await show(context, opts, 'every', selectCertificates, (d) => certificateTable(d, new Date()));
    });

  view(zc, 'connections', ['cons'], "list the open connections of every ztunnel's workloads (or --node's): WORKLOAD, DIRECTION, LOCAL, REMOTE, REMOTE TARGET, PROTOCOL")
    .option('--direction <dir>', 'only inbound or only outbound connections')
    .option('--raw', 'show IP addresses instead of service and workload names')
    .option('--workload-namespace <ns>', 'only connections of workloads in this namespace')
    .action(async (opts: Common & { direction?: string; raw?: boolean; workloadNamespace?: string }) => {
      const filter: ConnectionFilter = { direction: direction(opts.direction), namespace: opts.workloadNamespace, raw: opts.raw === true };
      await show(context, opts, 'every', (d) => selectConnections(d, filter), (d) => connectionTable(d, filter));
    });

  view(zc, 'all', [], 'print every table (workloads, services, policies, certificates, connections), or the whole dump with -o json|yaml')
    .option('--with-headers', 'put a ------ WORKLOAD INFO ------ style header above each table')
    .action(async (opts: Common & { withHeaders?: boolean }) => {
      const mode = parseOutputMode(opts.output);
      const dumps = await loadDumps(opts, context, 'every');
      context.stdout.write(render(mode, allData(dumps), () => allText(dumps, opts.withHeaders === true, new Date())));
    });

  zc.command('log')
    .alias('o')
    .description("show each ztunnel's log level, or set it with --level (or back to its start level with --reset)")
    .option('--level <level>', 'error, warn, info, debug, trace or off; or per module, e.g. access:debug,dns:off (modules access, dns, xds, proxy)')
    .option('-r, --reset', 'every module back to the level the ztunnel started with (info unless set otherwise)')
    .option('--node <name>', 'only the ztunnel of this node in the local mesh')
    .option('--admin <host:port>', "a ztunnel's admin address instead of the local mesh")
    .action(async (opts: SourceOptions & { level?: string; reset?: boolean }) => {
      if (opts.level !== undefined && opts.reset) throw usageError('--level and --reset cannot be combined');
      const change = opts.reset ? 'reset' : opts.level === undefined ? undefined : { level: opts.level };
      for (const line of await setLogLevel(opts, context, change)) context.stdout.write(`${line}\n`);
    });
}

/** A subcommand with the options every view shares. */
function view(parent: Command, name: string, aliases: string[], description: string): Command {
  return parent
    .command(name)
    .aliases(aliases)
    .description(description)
    .option('-o, --output <format>', 'short (a table), json or yaml (the raw section of the config dump)', 'short')
    .option('--node <name>', 'ask the ztunnel of this node in the local mesh (.ambient/run.json)')
    .option('--admin <host:port>', "ask the ztunnel whose admin port is here instead of the local mesh's")
    .option('-f, --file <dump.json>', 'read a saved config dump instead of asking a ztunnel');
}

/** Loads the dumps the view needs and prints its table, or its raw data for -o json|yaml. */
async function show(context: CommandContext, opts: Common, scope: 'first' | 'every', data: (dumps: ConfigDump[]) => unknown, table: (dumps: ConfigDump[]) => Table): Promise<void> {
  const mode = parseOutputMode(opts.output);
  const dumps = await loadDumps(opts, context, scope);
  context.stdout.write(render(mode, mode === 'short' ? undefined : data(dumps), () => {
    const t = table(dumps);
    return formatTable(t.headers, t.rows);
  }));
}

function direction(value: string | undefined): Direction | undefined {
  if (value === undefined) return undefined;
  if ((DIRECTIONS as readonly string[]).includes(value)) return value as Direction;
  throw usageError(`--direction must be inbound or outbound, not "${value}"`);
}

/** The one dump a mesh-wide view reads (loadDumps returns at least one). */
function one(dumps: readonly ConfigDump[]): ConfigDump {
  const [dump] = dumps;
  if (!dump) throw new Error('no config dump was loaded');
  return dump;
}
