// Services indexed by key ('namespace/hostname'), by VIP and by hostname (ztunnel ServiceStore). A hostname or VIP
// may belong to services in several namespaces (ServiceEntry); lookups then prefer the caller's namespace, then a
// service marked canonical, then the first inserted (ztunnel ServiceMatch::find_best_match).
import { cidrContains, parseCidr, parseIp, type Cidr } from '@ambient/l4-authz';
import type { ServiceRecord } from './model.js';

interface CidrVip {
  readonly network: string;
  readonly cidr: Cidr;
  readonly service: ServiceRecord;
}

export class ServiceIndex {
  readonly #byKey = new Map<string, ServiceRecord>();
  /** network → VIP → services, as for workloads. */
  readonly #byVip = new Map<string, Map<string, ServiceRecord[]>>();
  readonly #byHostname = new Map<string, ServiceRecord[]>();
  /** VIPs with a prefix shorter than the address: few, so scanned after an exact miss. */
  #cidrs: CidrVip[] = [];

  get size(): number {
    return this.#byKey.size;
  }

  get(key: string): ServiceRecord | undefined {
    return this.#byKey.get(key);
  }

  all(): IterableIterator<ServiceRecord> {
    return this.#byKey.values();
  }

  atVip(network: string, ip: string, preferNamespace: string | undefined): ServiceRecord | undefined {
    const list = this.#byVip.get(network)?.get(ip);
    if (list !== undefined) return list.length === 1 ? list[0] : bestMatch(list, preferNamespace);
    return this.#cidrs.length === 0 ? undefined : this.#inRange(network, ip, preferNamespace);
  }

  byHostname(hostname: string, preferNamespace: string | undefined): ServiceRecord | undefined {
    const list = this.#byHostname.get(hostname);
    if (list === undefined) return undefined;
    return list.length === 1 ? list[0] : bestMatch(list, preferNamespace);
  }

  /** As byHostname, among the services a workload of `namespace` may see (PUBLIC ones and its namespace's own). */
  visibleByHostname(hostname: string, namespace: string): ServiceRecord | undefined {
    const list = this.#byHostname.get(hostname)?.filter((s) => s.visibility === 'PUBLIC' || s.namespace === namespace);
    return list === undefined ? undefined : bestMatch(list, namespace);
  }

  put(s: ServiceRecord): ServiceRecord | undefined {
    const previous = this.remove(s.key);
    this.#byKey.set(s.key, s);
    for (const vip of s.vips) {
      const max = vip.ip.includes(':') ? 128 : 32;
      if (vip.prefixLength !== undefined && vip.prefixLength < max) {
        const cidr = parseCidr(`${vip.ip}/${vip.prefixLength}`);
        if (cidr !== undefined) this.#cidrs.push({ network: vip.network, cidr, service: s });
        continue;
      }
      let byIp = this.#byVip.get(vip.network);
      if (byIp === undefined) this.#byVip.set(vip.network, (byIp = new Map()));
      push(byIp, vip.ip, s);
    }
    push(this.#byHostname, s.hostname, s);
    return previous;
  }

  remove(key: string): ServiceRecord | undefined {
    const s = this.#byKey.get(key);
    if (s === undefined) return undefined;
    this.#byKey.delete(key);
    for (const vip of s.vips) {
      const byIp = this.#byVip.get(vip.network);
      if (byIp === undefined) continue;
      pull(byIp, vip.ip, s);
      if (byIp.size === 0) this.#byVip.delete(vip.network);
    }
    if (this.#cidrs.some((c) => c.service === s)) this.#cidrs = this.#cidrs.filter((c) => c.service !== s);
    pull(this.#byHostname, s.hostname, s);
    return s;
  }

  /** The longest prefix wins; among equal prefixes the usual namespace preference. */
  #inRange(network: string, ip: string, preferNamespace: string | undefined): ServiceRecord | undefined {
    const address = parseIp(ip);
    if (address === undefined) return undefined;
    let longest = -1;
    let candidates: ServiceRecord[] = [];
    for (const c of this.#cidrs) {
      if (c.network !== network || !cidrContains(c.cidr, address) || c.cidr.prefix < longest) continue;
      if (c.cidr.prefix > longest) [longest, candidates] = [c.cidr.prefix, []];
      candidates.push(c.service);
    }
    return bestMatch(candidates, preferNamespace);
  }
}

function bestMatch(list: readonly ServiceRecord[], preferNamespace: string | undefined): ServiceRecord | undefined {
  let canonical: ServiceRecord | undefined;
  for (const s of list) {
    if (preferNamespace !== undefined && s.namespace === preferNamespace) return s;
    if (canonical === undefined && s.canonical) canonical = s;
  }
  return canonical ?? list[0];
}

function push(map: Map<string, ServiceRecord[]>, key: string, s: ServiceRecord): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [s]);
  else list.push(s);
}

function pull(map: Map<string, ServiceRecord[]>, key: string, s: ServiceRecord): void {
  const rest = map.get(key)?.filter((x) => x !== s);
  if (rest === undefined) return;
  if (rest.length === 0) map.delete(key);
  else map.set(key, rest);
}
