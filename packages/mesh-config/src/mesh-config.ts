// MeshConfig: the whole config directory (as text) in, the xDS resources istiod would send ztunnel out, with every
// rejected object located and its last good version still served. One writer, synchronous, no I/O.
import type { Authorization } from '@ambient/api/security';
import type { Address } from '@ambient/api/workload';
import { buildConfigz } from './configz.js';
import { isClaiming, resolveConflicts, type Candidate, type ClaimingObject } from './conflicts.js';
import { MeshConfigError } from './errors.js';
import { AddressMemo } from './memo.js';
import type { ConfigObject, GatewayObject, NamespaceObject, PolicyObject, ServiceEntryObject } from './objects/model.js';
import { translatePolicies } from './policies.js';
import { readConfigFile, type FileResult } from './read.js';
import { selectObjects } from './select.js';
import { buildServices } from './services.js';
import type { ConfigFile, ConfigProblem, MeshConfigOptions, TranslatedConfig } from './types.js';
import { Waypoints } from './waypoints.js';
import {
  buildWorkload, NODE_LABEL, policiesByNamespace, serviceEntryEndpointUid, workloadEntryUid, type WorkloadContext,
} from './workloads.js';

export const DEFAULT_MESH_CONFIG_OPTIONS: MeshConfigOptions = { clusterId: 'Kubernetes', trustDomain: 'cluster.local', rootNamespace: 'istio-system' };

const EMPTY: TranslatedConfig = { addresses: new Map(), authorizations: new Map(), problems: [], configz: buildConfigz(new Map(), new Map(), [], 0) };

export class MeshConfig {
  readonly #options: MeshConfigOptions;
  /** path → the last read of that file, reused while its text is unchanged. */
  readonly #files = new Map<string, { text: string; result: FileResult }>();
  #lastGood = new Map<string, ConfigObject>();
  #owners: ReadonlyMap<string, string> = new Map();
  /** 'trustDomain/ns/NS/sa/SA\nnode' for every served workload that names a node. */
  #onNode = new Set<string>();
  #current: TranslatedConfig = EMPTY;
  readonly #memo = new AddressMemo();

  constructor(options: Partial<MeshConfigOptions> = {}) {
    this.#options = Object.freeze({ ...DEFAULT_MESH_CONFIG_OPTIONS, ...options });
    for (const [k, v] of Object.entries(this.#options)) {
      if (typeof v !== 'string' || v === '' || /[\s/]/.test(v)) {
        throw new MeshConfigError('MESH_CONFIG_ERR_OPTIONS', `MeshConfig option ${k} must be a non-empty string without '/' or spaces, got ${JSON.stringify(v)}`);
      }
    }
  }

  /**
   * Replaces the whole file set (a full re-read of the config directory) and returns what to serve. An object that
   * was good before and is rejected now keeps its last good version (its problem is still reported); an object
   * whose file disappeared is removed. Never throws for bad input.
   */
  update(files: readonly ConfigFile[]): TranslatedConfig {
    try {
      this.#current = this.#translate(files);
      this.#memo.commit();
    } catch (cause) {
      this.#memo.abandon();
      // A bug must not take the mesh down: keep serving the previous result and say so.
      const message = `translation failed, the previous config is still served: ${(cause as Error).message}`;
      this.#current = { ...this.#current, problems: [{ code: 'CONFIG_ERR_INTERNAL', file: '', message }] };
    }
    return this.#current;
  }

  /** The latest result of update(). */
  current(): TranslatedConfig {
    return this.#current;
  }

  /** For the CA's impersonation check: does a workload with this SPIFFE ID run on this node (ambient.dev/node)? */
  hasWorkloadOnNode(identity: string, node: string): boolean {
    const id = identity.startsWith('spiffe://') ? identity.slice('spiffe://'.length) : identity;
    return node !== '' && this.#onNode.has(`${id}\n${node}`);
  }

  #read(files: readonly ConfigFile[]): FileResult[] {
    const byPath = new Map(files.map((f) => [f.path, f.text]));
    for (const path of this.#files.keys()) if (!byPath.has(path)) this.#files.delete(path);
    return [...byPath.keys()].sort().map((path) => {
      const text = byPath.get(path) ?? '';
      const cached = this.#files.get(path);
      if (cached?.text === text) return cached.result;
      const result = readConfigFile({ path, text });
      this.#files.set(path, { text, result });
      return result;
    });
  }

  #translate(files: readonly ConfigFile[]): TranslatedConfig {
    const selection = selectObjects(this.#read(files), this.#lastGood);
    const problems = [...selection.problems];
    const namespaces = new Map<string, NamespaceObject>();
    const gateways = new Map<string, GatewayObject>();
    const policyObjects: PolicyObject[] = [];
    const candidates: Candidate[] = [];
    for (const o of selection.objects.values()) {
      if (o.kind === 'Namespace') namespaces.set(o.envelope.name, o);
      else if (o.kind === 'Gateway') gateways.set(`${o.envelope.namespace}/${o.envelope.name}`, o);
      else if (o.kind === 'AuthorizationPolicy' || o.kind === 'PeerAuthentication') policyObjects.push(o as PolicyObject);
      else if (isClaiming(o)) candidates.push({ object: o, ...fallbackOf(this.#lastGood.get(o.envelope.key)) });
    }
    const lastGoodPolicies = new Map([...this.#lastGood].filter((e): e is [string, PolicyObject] => e[1].kind === 'AuthorizationPolicy' || e[1].kind === 'PeerAuthentication'));
    const policies = translatePolicies(policyObjects, lastGoodPolicies, this.#options.rootNamespace);
    problems.push(...policies.problems);
    const resolved = resolveConflicts(candidates, this.#owners);
    problems.push(...resolved.problems);

    const waypoints = new Waypoints(namespaces, gateways, problems);
    const services = new Map<string, ServiceEntryObject[]>();
    for (const o of resolved.accepted) if (o.kind === 'ServiceEntry') services.set(o.envelope.namespace, [...(services.get(o.envelope.namespace) ?? []), o]);
    const ctx: WorkloadContext = { options: this.#options, namespaces, services, policies: policiesByNamespace(policies.translation), waypoints, memo: this.#memo };
    const addresses = this.#addresses(resolved.accepted, ctx, waypoints);

    const authorizations = new Map<string, Authorization>();
    for (const p of policies.translation.policies) authorizations.set(`${p.authorization.namespace}/${p.authorization.name}`, p.authorization);
    const retained = new Set([...selection.retained, ...policies.retained, ...resolved.retained]);
    const served: ConfigObject[] = [...namespaces.values(), ...gateways.values(), ...policies.served, ...resolved.accepted];
    this.#lastGood = new Map(served.map((o) => [o.envelope.key, o]));
    this.#owners = resolved.owners;
    const located = annotateRetained(problems, retained, this.#lastGood).sort(byLocation);
    return { addresses, authorizations, problems: located, configz: buildConfigz(addresses, authorizations, [...retained].sort(), located.length) };
  }

  #addresses(accepted: readonly ClaimingObject[], ctx: WorkloadContext, waypoints: Waypoints): Map<string, Address> {
    const out = new Map<string, Address>();
    const onNode = new Set<string>();
    const { clusterId, trustDomain } = this.#options;
    for (const o of accepted) {
      const { namespace, name, labels, key } = o.envelope;
      if (o.kind === 'WorkloadEntry') {
        const uid = workloadEntryUid(clusterId, namespace, name);
        out.set(uid, buildWorkload({ key, uid, name, namespace, spec: o.spec, labels: o.spec.labels, waypointLabels: o.spec.labels, source: o.source }, ctx));
        const node = o.spec.labels[NODE_LABEL];
        if (node !== undefined) onNode.add(`${trustDomain}/ns/${namespace}/sa/${o.spec.serviceAccount}\n${node}`);
        continue;
      }
      for (const [n, service] of buildServices(o, waypoints, this.#memo)) out.set(n, service);
      for (const spec of o.endpoints) {
        const uid = serviceEntryEndpointUid(clusterId, namespace, name, spec.address.text);
        out.set(uid, buildWorkload({ key, uid, name, namespace, spec, labels, waypointLabels: spec.labels, source: o.source }, ctx, o));
        const node = spec.labels[NODE_LABEL];
        if (node !== undefined) onNode.add(`${trustDomain}/ns/${namespace}/sa/${spec.serviceAccount}\n${node}`);
      }
    }
    this.#onNode = onNode;
    return new Map([...out].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }
}

function fallbackOf(old: ConfigObject | undefined): { fallback?: ClaimingObject } {
  return old !== undefined && isClaiming(old) ? { fallback: old } : {};
}

/** A problem about an object still served from its last good version says so, and where that version is. */
function annotateRetained(problems: readonly ConfigProblem[], retained: ReadonlySet<string>, served: ReadonlyMap<string, ConfigObject>): ConfigProblem[] {
  return problems.map((p) => {
    const kept = p.object === undefined || !retained.has(p.object) ? undefined : served.get(p.object);
    return kept === undefined ? p : { ...p, message: `${p.message}; the last good version (${kept.source.file}:${kept.source.line}) is still served` };
  });
}

function byLocation(a: ConfigProblem, b: ConfigProblem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0);
}
