// `ztunnel-config all`: every table one after the other (istioctl's layout, optionally with a header per table),
// or the whole dump for -o json|yaml.
import { formatTable } from '../output/table.js';
import { certificateTable } from './certificates.js';
import { connectionTable } from './connections.js';
import { section, type ConfigDump, type Entry } from './dump.js';
import { policyTable } from './policies.js';
import type { Table } from './table.js';
import { serviceTable, workloadTable } from './workloads.js';

/**
 * The tables in istioctl's order. The mesh view (workloads, services, policies) comes from the first dump; the
 * per-node views (certificates, connections) from every dump.
 */
export function allText(dumps: readonly ConfigDump[], withHeaders: boolean, now: Date): string {
  const [first] = dumps;
  if (!first) return '';
  const tables: [string, Table][] = [
    ['WORKLOAD', workloadTable(first, {})],
    ['SERVICE', serviceTable(first, undefined)],
    ['POLICY', policyTable(first, undefined)],
    ['SECRET', certificateTable(dumps, now)],
    ['CONNECTIONS', connectionTable(dumps, {})],
  ];
  return tables.map(([name, t]) => `\n${withHeaders ? `------ ${name} INFO ------\n\n` : ''}${formatTable(t.headers, t.rows)}`).join('');
}

/** One ztunnel's dump as served; with several, the first's with every node's certificates and connections. */
export function allData(dumps: readonly ConfigDump[]): Entry {
  const [first, ...rest] = dumps;
  if (!first) return {};
  if (rest.length === 0) return first.raw;
  return { ...first.raw, certificates: dumps.flatMap((d) => section(d, 'certificates')), connections: dumps.flatMap((d) => section(d, 'connections')) };
}
