// The mesh as one proxy sees it: workloads, services and L4 policies from xDS, written by one updater in batches
// (one per xDS response) and read through synchronous find* lookups. Anything that may wait on the network
// (on-demand xDS, DNS) belongs to a wrapper around this store, never inside it.
import type { Authorization } from '@ambient/api/security';
import type { Address } from '@ambient/api/workload';
import { PolicyStore } from '@ambient/l4-authz';
import { fromXdsAuthorizations } from '@ambient/l4-authz/xds';
import { MeshStateError } from './errors.js';
import type { NetworkIp, Rejection, ServiceRecord, StateChange, WorkloadRecord } from './model.js';
import { ServiceIndex } from './service-index.js';
import { WorkloadIndex } from './workload-index.js';
import { Problems } from './xds/fields.js';
import { serviceRecord } from './xds/service.js';
import { workloadRecord } from './xds/workload.js';

type Converted = { readonly name: string } & ({ readonly workload: WorkloadRecord } | { readonly service: ServiceRecord });
export type StateListener = (change: StateChange) => void;

const IPV4_MAPPED = '::ffff:';

export class MeshState {
  readonly policies = new PolicyStore();
  readonly #workloads = new WorkloadIndex();
  readonly #services = new ServiceIndex();
  /** What each Address resource name put in the store ('w:<uid>' or 's:<key>'), so a removal undoes exactly that. */
  readonly #held = new Map<string, string>();
  readonly #nameOf = new Map<string, string>();
  /** Authorization resource name → policy key. */
  readonly #policyNames = new Map<string, string>();
  /** Health-filtered endpoint lists, built on first lookup and dropped when a batch touches the service. */
  readonly #endpointCache = new Map<string, readonly WorkloadRecord[]>();
  readonly #listeners = new Set<StateListener>();

  /**
   * The one writer for Address resources: applies one xDS response (removals first, then upserts) and notifies once.
   * A rejected upsert leaves the resource's previous version in place; the rejections are the NACK detail.
   */
  applyAddresses(upserts: ReadonlyMap<string, Address>, removals: readonly string[]): Rejection[] {
    const rejections: Rejection[] = [];
    const accepted: Converted[] = [];
    for (const [name, address] of upserts) {
      const converted = convertAddress(name, address);
      if ('reason' in converted) rejections.push(converted);
      else accepted.push(converted);
    }
    const workloads = new Set<string>();
    const services = new Set<string>();
    for (const name of removals) this.#removeResource(name, workloads, services);
    for (const c of accepted) {
      this.#removeResource(c.name, workloads, services);
      if ('workload' in c) {
        const previous = this.#workloads.put(c.workload);
        this.#hold(c.name, `w:${c.workload.uid}`);
        touchWorkload(c.workload, previous, workloads, services);
      } else {
        this.#services.put(c.service);
        this.#hold(c.name, `s:${c.service.key}`);
        services.add(c.service.key);
      }
    }
    for (const key of services) this.#endpointCache.delete(key);
    if (workloads.size > 0 || services.size > 0) this.#notify({ workloads: sorted(workloads), services: sorted(services), policies: [] });
    return rejections;
  }

  /** The one writer for Authorization resources, with the same batch and rejection rules as applyAddresses. */
  applyAuthorizations(upserts: ReadonlyMap<string, Authorization>, removals: readonly string[]): Rejection[] {
    const rejections: Rejection[] = [];
    const accepted = [];
    const removedKeys: string[] = [];
    for (const name of removals) {
      const key = this.#policyNames.get(name) ?? name;
      this.#policyNames.delete(name);
      removedKeys.push(key);
    }
    for (const [name, authorization] of upserts) {
      const { accepted: [policy], rejected: [problem] } = fromXdsAuthorizations([authorization]);
      if (policy === undefined) {
        rejections.push({ name, reason: problem?.reason ?? 'rejected' });
        continue;
      }
      const old = this.#policyNames.get(name);
      if (old !== undefined && old !== policy.key) removedKeys.push(old);
      this.#policyNames.set(name, policy.key);
      accepted.push(policy);
    }
    const before = new Set(removedKeys.filter((k) => this.policies.get(k) !== undefined));
    this.policies.update(accepted, removedKeys);
    const changed = new Set([...before, ...accepted.map((p) => p.key)]);
    if (changed.size > 0) this.#notify({ workloads: [], services: [], policies: sorted(changed) });
    return rejections;
  }

  findWorkloadByUid(uid: string): WorkloadRecord | undefined {
    return this.#workloads.get(uid);
  }

  /** Accepts an IPv4-mapped IPv6 address (as a dual-stack socket reports an IPv4 peer) as the IPv4 address. */
  findWorkloadByAddress(address: NetworkIp): WorkloadRecord | undefined {
    const found = this.#workloads.atAddress(address.network, address.ip);
    if (found !== undefined || !address.ip.startsWith(IPV4_MAPPED)) return found;
    return this.#workloads.atAddress(address.network, address.ip.slice(IPV4_MAPPED.length));
  }

  findWorkloadsOnNode(node: string): WorkloadRecord[] {
    return this.#workloads.onNode(node);
  }

  /** The service with this VIP (or the narrowest CIDR holding it), preferring one in `preferNamespace`. */
  findServiceByVip(address: NetworkIp, preferNamespace?: string): ServiceRecord | undefined {
    const { network, ip } = address;
    const found = this.#services.atVip(network, ip, preferNamespace);
    if (found !== undefined || !ip.startsWith(IPV4_MAPPED)) return found;
    return this.#services.atVip(network, ip.slice(IPV4_MAPPED.length), preferNamespace);
  }

  findServiceByHostname(hostname: string, preferNamespace?: string): ServiceRecord | undefined {
    return this.#services.byHostname(hostname, preferNamespace);
  }

  /**
   * The service a workload of `namespace` finds under `hostname`: as findServiceByHostname preferring that namespace,
   * but a service with NAMESPACE visibility only from its own namespace (what ztunnel's DNS proxy answers).
   */
  findVisibleServiceByHostname(hostname: string, namespace: string): ServiceRecord | undefined {
    return this.#services.visibleByHostname(hostname, namespace);
  }

  findServiceByKey(key: string): ServiceRecord | undefined {
    return this.#services.get(key);
  }

  /**
   * Workloads that list the service and that load balancing may pick: healthy ones, or all of them under the
   * service's ALLOW_ALL health policy. Workloads that arrive before their service are kept and show up here.
   */
  findEndpoints(serviceKey: string): readonly WorkloadRecord[] {
    const cached = this.#endpointCache.get(serviceKey);
    if (cached !== undefined) return cached;
    const allowAll = this.#services.get(serviceKey)?.loadBalancing?.healthPolicy === 'ALLOW_ALL';
    const list = Object.freeze([...this.#workloads.endpointsOf(serviceKey)].filter((w) => allowAll || w.healthy));
    this.#endpointCache.set(serviceKey, list);
    return list;
  }

  /**
   * Endpoints whose service is not known (yet), by service key, sorted: workloads that list a service the store does
   * not hold, healthy or not (ztunnel's staged_services). Nothing is copied aside: when the service arrives,
   * findEndpoints reads the same workloads, and a later removal of the service stages them again.
   */
  findStagedEndpoints(): Map<string, readonly WorkloadRecord[]> {
    const staged = [...this.#workloads.listedServiceKeys()].filter((key) => this.#services.get(key) === undefined).sort(compare);
    return new Map(staged.map((key) => [key, [...this.#workloads.endpointsOf(key)].sort((a, b) => compare(a.uid, b.uid))]));
  }

  /** Calls `listener` once per batch that changed something; returns the function that unsubscribes it. */
  subscribe(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Everything held, workloads by uid and services by key (for /config_dump). */
  snapshot(): { workloads: WorkloadRecord[]; services: ServiceRecord[] } {
    return {
      workloads: [...this.#workloads.all()].sort((a, b) => compare(a.uid, b.uid)),
      services: [...this.#services.all()].sort((a, b) => compare(a.key, b.key)),
    };
  }

  /** Records that `name` now holds `item`; if another name held it before, that name no longer does. */
  #hold(name: string, item: string): void {
    const other = this.#nameOf.get(item);
    if (other !== undefined && other !== name) this.#held.delete(other);
    this.#held.set(name, item);
    this.#nameOf.set(item, name);
  }

  #removeResource(name: string, workloads: Set<string>, services: Set<string>): void {
    // istiod names workloads by uid and services by namespace/hostname; fall back to that for names we never saw.
    const item = this.#held.get(name) ?? (this.#workloads.get(name) === undefined ? `s:${name}` : `w:${name}`);
    this.#held.delete(name);
    if (this.#nameOf.get(item) === name) this.#nameOf.delete(item);
    const id = item.slice(2);
    if (item.startsWith('w:')) {
      const removed = this.#workloads.remove(id);
      if (removed !== undefined) touchWorkload(removed, undefined, workloads, services);
    } else if (this.#services.remove(id) !== undefined) {
      services.add(id);
    }
  }

  #notify(change: StateChange): void {
    const frozen = Object.freeze(change);
    let failure: { error: unknown } | undefined;
    for (const listener of [...this.#listeners]) {
      try {
        listener(frozen);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) {
      throw new MeshStateError('MESH_STATE_ERR_LISTENER', `a state listener threw: ${String(failure.error)}`, { cause: failure.error });
    }
  }
}

function convertAddress(name: string, address: Address): Converted | Rejection {
  const problems = new Problems();
  let converted: Converted | undefined;
  switch (address.type.case) {
    case 'workload':
      converted = { name, workload: workloadRecord(address.type.value, problems.add) };
      break;
    case 'service':
      converted = { name, service: serviceRecord(address.type.value, problems.add) };
      break;
    default:
      return { name, reason: 'Address has neither a workload nor a service' };
  }
  return problems.empty ? converted : { name, reason: problems.reason() };
}

/** A workload change touches the workload and the endpoint lists of every service it lists, before and after. */
function touchWorkload(w: WorkloadRecord, previous: WorkloadRecord | undefined, workloads: Set<string>, services: Set<string>): void {
  workloads.add(w.uid);
  for (const key of w.services.keys()) services.add(key);
  if (previous !== undefined) for (const key of previous.services.keys()) services.add(key);
}

function sorted(keys: Set<string>): readonly string[] {
  return Object.freeze([...keys].sort(compare));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
