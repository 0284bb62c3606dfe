// Policies as evaluate() wants them: frozen data plus a matcher compiled once, held in a private field so that
// finding it costs a field read per policy and connection.
import { compilePolicy, type PolicyMatcher } from './compile.js';
import { createMatch, invalid, type Action, type Policy, type PolicyInit, type Rule, type Scope } from './model.js';

class CompiledPolicy implements Policy {
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  readonly scope: Scope;
  readonly action: Action;
  readonly rules: readonly Rule[];
  readonly dryRun: boolean;
  readonly #matcher: PolicyMatcher;

  constructor(init: Omit<Policy, 'key'>) {
    this.key = `${init.namespace}/${init.name}`;
    this.name = init.name;
    this.namespace = init.namespace;
    this.scope = init.scope;
    this.action = init.action;
    this.rules = init.rules;
    this.dryRun = init.dryRun;
    this.#matcher = compilePolicy(this);
    Object.freeze(this);
  }

  static matcherOf(p: Policy): PolicyMatcher | undefined {
    return #matcher in p ? p.#matcher : undefined;
  }
}

/** Policies built elsewhere (plain objects) are compiled on first use and remembered while they live. */
const others = new WeakMap<Policy, PolicyMatcher>();

export function matcherFor(policy: Policy): PolicyMatcher {
  const own = CompiledPolicy.matcherOf(policy);
  if (own !== undefined) return own;
  let matcher = others.get(policy);
  if (matcher === undefined) others.set(policy, (matcher = compilePolicy(policy)));
  return matcher;
}

/** Builds a frozen policy with its key; throws AuthzError (AUTHZ_ERR_INVALID_POLICY) naming the bad field. */
export function createPolicy(init: PolicyInit): Policy {
  if (init.name === '') invalid('name', 'must not be empty');
  const rules = (init.rules ?? []).map((rule, r) =>
    Object.freeze(rule.map((clause, c) => Object.freeze(clause.map((m, i) => createMatch(m, `rules[${r}][${c}][${i}]`))))),
  );
  return new CompiledPolicy({
    name: init.name,
    namespace: init.namespace,
    scope: init.scope,
    action: init.action ?? 'ALLOW',
    rules: Object.freeze(rules),
    dryRun: init.dryRun ?? false,
  });
}
