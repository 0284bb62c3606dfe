// `ztunnel-config workloads` and `services`: Istio's columns from the dump's workloads and services, with
// istioctl's filters and ordering, and the waypoint named by the service it points at.
import { obj, section, str, strings, type ConfigDump, type Entry } from './dump.js';
import type { Table } from './table.js';

export interface WorkloadFilter {
  readonly address?: string;
  readonly namespace?: string;
  readonly node?: string;
}

export const WORKLOAD_HEADERS = ['NAMESPACE', 'POD NAME', 'ADDRESS', 'NODE', 'WAYPOINT', 'PROTOCOL'] as const;
export const SERVICE_HEADERS = ['NAMESPACE', 'SERVICE NAME', 'SERVICE VIP', 'WAYPOINT', 'ENDPOINTS'] as const;

/** The workloads that pass the filter, in dump order (what `-o json` prints). */
export function selectWorkloads(dump: ConfigDump, filter: WorkloadFilter): Entry[] {
  return section(dump, 'workloads').filter((w) => {
    if (filter.namespace && !same(str(w, 'namespace'), filter.namespace)) return false;
    if (filter.node && !same(str(w, 'node'), filter.node)) return false;
    if (filter.address && !addresses(w).some((a) => same(a, filter.address ?? ''))) return false;
    return true;
  });
}

export function workloadTable(dump: ConfigDump, filter: WorkloadFilter): Table {
  const services = section(dump, 'services');
  const rows = selectWorkloads(dump, filter)
    .map((w) => [str(w, 'namespace'), str(w, 'name'), addresses(w).join(',') || str(w, 'hostname'), str(w, 'node'), waypointName(w, services), protocol(w)])
    .sort((a, b) => compare(`${a[0]}.${a[1]}`, `${b[0]}.${b[1]}`) || compare(a[3] ?? '', b[3] ?? ''));
  return { headers: WORKLOAD_HEADERS, rows };
}

/** The services in the namespace (all without one), ordered by namespace, name and hostname. */
export function selectServices(dump: ConfigDump, namespace: string | undefined): Entry[] {
  return section(dump, 'services')
    .filter((s) => !namespace || same(str(s, 'namespace'), namespace))
    .sort((a, b) => compare(str(a, 'namespace'), str(b, 'namespace')) || compare(str(a, 'name'), str(b, 'name')) || compare(str(a, 'hostname'), str(b, 'hostname')));
}

export function serviceTable(dump: ConfigDump, namespace: string | undefined): Table {
  const services = section(dump, 'services');
  const workloads = section(dump, 'workloads');
  const rows = selectServices(dump, namespace).map((s) => {
    const key = serviceKey(s);
    const endpoints = workloads.filter((w) => Object.hasOwn(obj(w, 'services') ?? {}, key));
    const healthy = endpoints.filter((w) => w['healthy'] === true || str(w, 'status') === 'Healthy').length;
    return [str(s, 'namespace'), str(s, 'name'), vips(s).join(','), waypointName(s, services), `${healthy}/${endpoints.length}`];
  });
  return { headers: SERVICE_HEADERS, rows };
}

/** Our ztunnel dumps `addresses`; Istio's dumps `workloadIps`. */
function addresses(w: Entry): string[] {
  return w['addresses'] === undefined ? strings(w, 'workloadIps') : strings(w, 'addresses');
}

/** HBONE when the workload is in the mesh; TCP otherwise (ours: tunnelProtocol NONE; Istio's: protocol TCP). */
function protocol(w: Entry): string {
  const value = str(w, 'tunnelProtocol') || str(w, 'protocol');
  return value === 'HBONE' ? 'HBONE' : 'TCP';
}

/** VIPs are dumped as `network/ip` (ours may add `/prefix`); the table shows the IP. */
function vips(s: Entry): string[] {
  const list = s['vips'] === undefined ? strings(s, 'addresses') : strings(s, 'vips');
  return list.map((v) => v.split('/')[1] ?? v);
}

function serviceKey(s: Entry): string {
  return str(s, 'key') || `${str(s, 'namespace')}/${str(s, 'hostname')}`;
}

/** `None` without a waypoint, the waypoint service's name when the dump has it, `NA` when it does not. */
function waypointName(entry: Entry, services: readonly Entry[]): string {
  const ref = obj(entry, 'waypoint');
  if (!ref) return 'None';
  // Ours: { kind: 'address', network, ip } or { kind: 'hostname', namespace, hostname }; Istio's: { destination }.
  const destination = str(ref, 'destination') || (str(ref, 'kind') === 'hostname' ? `${str(ref, 'namespace')}/${str(ref, 'hostname')}` : `${str(ref, 'network')}/${str(ref, 'ip')}`);
  const match = services.find((s) => serviceKey(s) === destination || strings(s, 'vips').some((v) => v === destination || v.startsWith(`${destination}/`)));
  return match ? str(match, 'name') : 'NA';
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
