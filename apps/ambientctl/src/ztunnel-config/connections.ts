// `ztunnel-config connections`: each open connection from the local workload's point of view — LOCAL and REMOTE
// sockets, REMOTE TARGET (what the source asked for) — with IPs shown as service or workload names unless --raw.
import { obj, section, str, strings, type ConfigDump, type Entry } from './dump.js';
import type { Table } from './table.js';
import { compare } from './workloads.js';

export const CONNECTION_HEADERS = ['WORKLOAD', 'DIRECTION', 'LOCAL', 'REMOTE', 'REMOTE TARGET', 'PROTOCOL'] as const;
export const DIRECTIONS = ['inbound', 'outbound'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface ConnectionFilter {
  readonly namespace?: string;
  readonly direction?: Direction;
  /** IPs as they are, without looking up names. */
  readonly raw?: boolean;
}

/** The connections of every dump that pass the filter, ordered by workload namespace and name, inbound first. */
export function selectConnections(dumps: readonly ConfigDump[], filter: ConnectionFilter): Entry[] {
  return dumps
    .flatMap((d) => section(d, 'connections'))
    .filter((c) => {
      const workload = obj(c, 'workload') ?? {};
      if (filter.namespace && str(workload, 'namespace').toLowerCase() !== filter.namespace.toLowerCase()) return false;
      return !filter.direction || str(c, 'direction') === filter.direction;
    })
    .map((c, i) => ({ c, i }))
    .sort((a, b) => compare(key(a.c), key(b.c)) || a.i - b.i)
    .map(({ c }) => c);
}

export function connectionTable(dumps: readonly ConfigDump[], filter: ConnectionFilter): Table {
  const name = filter.raw ? (address: string) => address : namer(dumps);
  const rows = selectConnections(dumps, filter).map((c) => {
    const workload = obj(c, 'workload') ?? {};
    const who = `${str(workload, 'name')}.${str(workload, 'namespace')}`;
    const inbound = str(c, 'direction') === 'inbound';
    const [local, remote] = inbound ? [str(c, 'actualDst'), str(c, 'src')] : [str(c, 'src'), str(c, 'actualDst')];
    return [who, inbound ? 'Inbound' : 'Outbound', name(local), name(remote), name(str(c, 'originalDst')), str(c, 'protocol')];
  });
  return { headers: CONNECTION_HEADERS, rows };
}

function key(c: Entry): string {
  const workload = obj(c, 'workload') ?? {};
  return `${str(workload, 'namespace')}\0${str(workload, 'name')}\0${str(c, 'direction')}`;
}

/** Replaces the IP of `ip:port` by the service hostname (VIPs) or `name.namespace` (workload addresses) it belongs to. */
function namer(dumps: readonly ConfigDump[]): (address: string) => string {
  const names = new Map<string, string>();
  // The first dump's mesh view is enough: every ztunnel holds the same workloads and services.
  const [first] = dumps;
  if (first) {
    for (const w of optional(first, 'workloads')) for (const ip of strings(w, 'addresses')) names.set(ip, `${str(w, 'name')}.${str(w, 'namespace')}`);
    for (const s of optional(first, 'services')) for (const vip of strings(s, 'vips')) names.set(vip.split('/')[1] ?? vip, str(s, 'hostname'));
  }
  return (address) => {
    const at = address.lastIndexOf(':');
    if (at < 0) return address;
    const ip = address.slice(0, at).replace(/^\[|\]$/g, '');
    const found = names.get(ip);
    return found ? `${found}:${address.slice(at + 1)}` : address;
  };
}

/** A section used only for names: a dump without it still prints its connections, with IPs. */
function optional(dump: ConfigDump, name: 'workloads' | 'services'): Entry[] {
  return dump.raw[name] === undefined ? [] : section(dump, name);
}
