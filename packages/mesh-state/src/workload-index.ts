// Workloads indexed by uid, by network and IP, by node and as endpoints of the services they list
// (ztunnel WorkloadStore + the endpoint half of ServiceStore). Insert replaces by uid, so a workload that changes
// address, node or services leaves nothing behind in the indexes it no longer belongs to.
import type { WorkloadRecord } from './model.js';

const NONE: readonly WorkloadRecord[] = Object.freeze([]);

export class WorkloadIndex {
  readonly #byUid = new Map<string, WorkloadRecord>();
  /** network → IP → workloads: two map reads per lookup and no key string to build on the hot path. */
  readonly #byAddress = new Map<string, Map<string, WorkloadRecord[]>>();
  readonly #byNode = new Map<string, Map<string, WorkloadRecord>>();
  readonly #endpoints = new Map<string, Map<string, WorkloadRecord>>();

  get size(): number {
    return this.#byUid.size;
  }

  get(uid: string): WorkloadRecord | undefined {
    return this.#byUid.get(uid);
  }

  all(): IterableIterator<WorkloadRecord> {
    return this.#byUid.values();
  }

  /**
   * The workload at an address. Several may share one (a pod and a WorkloadEntry, or a stale entry during a move);
   * ztunnel then prefers a Pod, then an HBONE workload, and so do we.
   */
  atAddress(network: string, ip: string): WorkloadRecord | undefined {
    const list = this.#byAddress.get(network)?.get(ip);
    if (list === undefined) return undefined;
    return list.length === 1 ? list[0] : best(list);
  }

  onNode(node: string): WorkloadRecord[] {
    return [...(this.#byNode.get(node)?.values() ?? NONE)];
  }

  /** Every workload listing the service key, healthy or not, in insertion order. */
  endpointsOf(serviceKey: string): IterableIterator<WorkloadRecord> | readonly WorkloadRecord[] {
    return this.#endpoints.get(serviceKey)?.values() ?? NONE;
  }

  /** Every service key some workload lists, whether or not the service itself is known. */
  listedServiceKeys(): IterableIterator<string> {
    return this.#endpoints.keys();
  }

  /** Inserts or replaces; returns the replaced record so the caller can tell which services were touched. */
  put(w: WorkloadRecord): WorkloadRecord | undefined {
    const previous = this.remove(w.uid);
    this.#byUid.set(w.uid, w);
    if (w.networkMode === 'STANDARD') {
      const byIp = mapOf(this.#byAddress, w.network);
      for (const ip of w.addresses) {
        const list = byIp.get(ip);
        if (list === undefined) byIp.set(ip, [w]);
        else list.push(w);
      }
    }
    mapOf(this.#byNode, w.node).set(w.uid, w);
    for (const serviceKey of w.services.keys()) mapOf(this.#endpoints, serviceKey).set(w.uid, w);
    return previous;
  }

  remove(uid: string): WorkloadRecord | undefined {
    const w = this.#byUid.get(uid);
    if (w === undefined) return undefined;
    this.#byUid.delete(uid);
    if (w.networkMode === 'STANDARD') {
      const byIp = this.#byAddress.get(w.network);
      for (const ip of w.addresses) {
        const rest = byIp?.get(ip)?.filter((x) => x.uid !== uid) ?? [];
        if (rest.length === 0) deleteFrom(this.#byAddress, w.network, ip);
        else byIp?.set(ip, rest);
      }
    }
    deleteFrom(this.#byNode, w.node, uid);
    for (const serviceKey of w.services.keys()) deleteFrom(this.#endpoints, serviceKey, uid);
    return w;
  }
}

function rank(w: WorkloadRecord): number {
  return (w.uid.includes('//Pod/') ? 2 : 0) + (w.tunnelProtocol === 'HBONE' ? 1 : 0);
}

function best(list: readonly WorkloadRecord[]): WorkloadRecord | undefined {
  let chosen: WorkloadRecord | undefined;
  for (const w of list) if (chosen === undefined || rank(w) > rank(chosen)) chosen = w;
  return chosen;
}

function mapOf<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key);
  if (inner === undefined) outer.set(key, (inner = new Map()));
  return inner;
}

function deleteFrom<V>(outer: Map<string, Map<string, V>>, key: string, uid: string): void {
  const inner = outer.get(key);
  if (inner?.delete(uid) === true && inner.size === 0) outer.delete(key);
}
