// The policy store ztunnel keeps (src/state/policy.rs): policies by key, indexed by scope so that the policies for a
// workload (global ∪ its namespace ∪ the keys it lists) are found without scanning, and a change notifier so that
// open connections can be re-checked when policy changes.
import type { Policy, WorkloadRef } from './model.js';

export interface PolicyChange {
  /** Keys inserted, replaced or removed by this change, sorted. */
  readonly keys: readonly string[];
}

export type PolicyListener = (change: PolicyChange) => void;

const NONE: readonly Policy[] = Object.freeze([]);

export class PolicyStore {
  readonly #byKey = new Map<string, Policy>();
  readonly #global = new Map<string, Policy>();
  readonly #byNamespace = new Map<string, Map<string, Policy>>();
  /** global ∪ namespace per namespace, rebuilt lazily after a change: lookups then cost one map read. */
  #combined = new Map<string, readonly Policy[]>();
  readonly #listeners = new Set<PolicyListener>();

  get size(): number {
    return this.#byKey.size;
  }

  get(key: string): Policy | undefined {
    return this.#byKey.get(key);
  }

  /** Every policy, sorted by key (for dumps; lookups use findApplicable). */
  all(): Policy[] {
    return [...this.#byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  insert(policy: Policy): void {
    this.update([policy], []);
  }

  remove(key: string): void {
    this.update([], [key]);
  }

  /** Replaces the whole content (a state-of-the-world push); one notification. */
  replaceAll(policies: readonly Policy[]): void {
    const keys = new Set([...this.#byKey.keys(), ...policies.map((p) => p.key)]);
    this.#byKey.clear();
    this.#global.clear();
    this.#byNamespace.clear();
    for (const p of policies) this.#put(p);
    this.#changed([...keys]);
  }

  /** Applies a batch (one delta xDS response) and notifies once; removals of unknown keys are ignored. */
  update(upserts: readonly Policy[], removals: readonly string[]): void {
    const keys: string[] = [];
    for (const key of removals) if (this.#delete(key)) keys.push(key);
    for (const p of upserts) {
      this.#delete(p.key);
      this.#put(p);
      keys.push(p.key);
    }
    if (keys.length > 0) this.#changed(keys);
  }

  /**
   * The policies that apply to a workload: GLOBAL ones, NAMESPACE ones of its namespace, and the keys it lists.
   * Listed keys that are not in the store are skipped, as ztunnel does (see findMissing). No duplicates.
   */
  findApplicable(workload: WorkloadRef): readonly Policy[] {
    const base = this.#combinedFor(workload.namespace);
    if (workload.authorizationPolicies.length === 0) return base;
    let result: Policy[] | undefined;
    for (const key of workload.authorizationPolicies) {
      const p = this.#byKey.get(key);
      // Global and own-namespace policies are in `base` already; only listed keys can repeat among themselves.
      if (p === undefined || p.scope === 'GLOBAL' || (p.scope === 'NAMESPACE' && p.namespace === workload.namespace)) continue;
      result ??= [...base];
      if (result.indexOf(p, base.length) < 0) result.push(p);
    }
    return result ?? base;
  }

  /** Keys a workload lists that the store does not hold (ztunnel warns about these). */
  findMissing(workload: WorkloadRef): string[] {
    return workload.authorizationPolicies.filter((key) => !this.#byKey.has(key));
  }

  /** Calls `listener` after every change; returns the function that unsubscribes it. */
  subscribe(listener: PolicyListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #put(p: Policy): void {
    this.#byKey.set(p.key, p);
    if (p.scope === 'GLOBAL') this.#global.set(p.key, p);
    else if (p.scope === 'NAMESPACE') {
      let ns = this.#byNamespace.get(p.namespace);
      if (ns === undefined) this.#byNamespace.set(p.namespace, (ns = new Map()));
      ns.set(p.key, p);
    }
  }

  #delete(key: string): boolean {
    const p = this.#byKey.get(key);
    if (p === undefined) return false;
    this.#byKey.delete(key);
    this.#global.delete(key);
    const ns = this.#byNamespace.get(p.namespace);
    if (ns?.delete(key) === true && ns.size === 0) this.#byNamespace.delete(p.namespace);
    return true;
  }

  #combinedFor(namespace: string): readonly Policy[] {
    const cached = this.#combined.get(namespace);
    if (cached !== undefined) return cached;
    const ns = this.#byNamespace.get(namespace);
    const list = this.#global.size === 0 && ns === undefined ? NONE : Object.freeze([...this.#global.values(), ...(ns?.values() ?? [])]);
    this.#combined.set(namespace, list);
    return list;
  }

  #changed(keys: string[]): void {
    this.#combined = new Map();
    const change: PolicyChange = Object.freeze({ keys: Object.freeze([...new Set(keys)].sort()) });
    let failure: { error: unknown } | undefined;
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        failure ??= { error };
      }
    }
    // Every listener has seen the change; the first failure still surfaces to the writer.
    if (failure !== undefined) throw failure.error;
  }
}
