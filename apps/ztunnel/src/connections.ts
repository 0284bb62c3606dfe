// The open connections of this node's workloads, inbound and outbound, for /config_dump's `connections` list (what
// `ambientctl ztunnel-config connections` prints). One Set insert when a connection is established and one delete
// when it ends: nothing per chunk, and the dump entries are built only when someone asks.
import type { WorkloadRecord } from '@ambient/mesh-state';

export type ConnectionDirection = 'inbound' | 'outbound';
export type ConnectionProtocol = 'HBONE' | 'TCP';

/** One open connection as the data path registers it; addresses are `host:port`. */
export interface OpenConnection {
  /** The local workload the connection belongs to (the destination inbound, the source outbound). */
  readonly workload: WorkloadRecord;
  readonly direction: ConnectionDirection;
  /** The connection's source: the peer inbound, the local app outbound. */
  readonly src: string;
  /** What the source asked for: the HBONE authority inbound, the SOCKS5 destination outbound (name or IP). */
  readonly originalDst: string;
  /** Where the bytes go: the local app inbound, the next hop (a peer's 15008, or the target itself) outbound. */
  readonly actualDst: string;
  readonly protocol: ConnectionProtocol;
}

/** One `connections` entry of /config_dump, with Istio's field names (src, originalDst, actualDst, protocol). */
export interface ConnectionDump {
  readonly workload: { readonly uid: string; readonly name: string; readonly namespace: string };
  readonly direction: ConnectionDirection;
  readonly src: string;
  readonly originalDst: string;
  readonly actualDst: string;
  readonly protocol: ConnectionProtocol;
}

export class ConnectionRegistry {
  readonly #open = new Set<OpenConnection>();

  /** Registers an established connection; pass the same object to `closed` when it ends. */
  opened(connection: OpenConnection): void {
    this.#open.add(connection);
  }

  closed(connection: OpenConnection): void {
    this.#open.delete(connection);
  }

  get size(): number {
    return this.#open.size;
  }

  /** The open connections, ordered by workload, direction and source, so two dumps of the same state are equal. */
  dump(): ConnectionDump[] {
    return [...this.#open].map(toDump).sort(compare);
  }
}

/** `host:port`, with IPv6 hosts in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function toDump(c: OpenConnection): ConnectionDump {
  const { uid, name, namespace } = c.workload;
  return { workload: { uid, name, namespace }, direction: c.direction, src: c.src, originalDst: c.originalDst, actualDst: c.actualDst, protocol: c.protocol };
}

function compare(a: ConnectionDump, b: ConnectionDump): number {
  const ka = `${a.workload.namespace}/${a.workload.name}\0${a.direction}\0${a.src}\0${a.actualDst}`;
  const kb = `${b.workload.namespace}/${b.workload.name}\0${b.direction}\0${b.src}\0${b.actualDst}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
