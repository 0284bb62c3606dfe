// The decision ztunnel makes for an inbound connection (src/state.rs `assert_rbac`): dry-run policies are only
// reported; any matching DENY denies; with no ALLOW policy the connection is allowed; otherwise an ALLOW must match.
import { ConnectionFacts } from './facts.js';
import { matcherFor } from './policy.js';
import type { Action, Connection, Policy } from './model.js';

export interface DecidedBy {
  /** 'namespace/name' of the deciding policy. */
  readonly policy: string;
  /** Index of its first matching rule. */
  readonly rule: number;
}

export interface DryRunMatch extends DecidedBy {
  readonly action: Action;
}

export interface Decision {
  readonly allowed: boolean;
  /** The policy and rule that decided; absent when the default decided (no ALLOW policy, or none matched). */
  readonly decidedBy?: DecidedBy;
  /** ztunnel's wording where it has one: 'explicitly denied by: ns/name', 'allow policies exist, but none allowed'. */
  readonly reason: string;
  /** Dry-run policies that matched: what they would have done, had they been enforced. */
  readonly dryRun: readonly DryRunMatch[];
}

const NO_DRY_RUN: readonly DryRunMatch[] = Object.freeze([]);

export const REASON_NO_ALLOW_POLICIES = 'no allow policies apply: allowed by default';
export const REASON_NONE_ALLOWED = 'allow policies exist, but none allowed';

/**
 * Decides a connection against the policies that apply to its destination workload (see PolicyStore.findApplicable).
 * The result does not depend on the order of `policies`: when several policies could decide, the one with the
 * smallest key is named. Throws AuthzError (AUTHZ_ERR_INVALID_CONNECTION) for an address that is not an IP literal.
 */
export function evaluate(connection: Connection, policies: readonly Policy[]): Decision {
  return decide(new ConnectionFacts(connection), policies);
}

/** evaluate() for a connection already reduced to facts (explain() shares them). */
export function decide(f: ConnectionFacts, policies: readonly Policy[]): Decision {
  let deny: Policy | undefined;
  let denyRule = -1;
  let allow: Policy | undefined;
  let allowRule = -1;
  let allowPolicies = 0;
  let dryRun: DryRunMatch[] | undefined;
  for (const p of policies) {
    if (p.dryRun) {
      const rule = matcherFor(p)(f);
      if (rule >= 0) (dryRun ??= []).push({ policy: p.key, rule, action: p.action });
    } else if (p.action === 'DENY') {
      // A later DENY only matters if it would be reported instead (smaller key); this keeps the result order-free.
      if (deny !== undefined && p.key >= deny.key) continue;
      const rule = matcherFor(p)(f);
      if (rule >= 0) [deny, denyRule] = [p, rule];
    } else {
      allowPolicies++;
      if (deny !== undefined || (allow !== undefined && p.key >= allow.key)) continue;
      const rule = matcherFor(p)(f);
      if (rule >= 0) [allow, allowRule] = [p, rule];
    }
  }
  const dry = dryRun === undefined ? NO_DRY_RUN : sortDryRun(dryRun);
  if (deny !== undefined) {
    return { allowed: false, decidedBy: { policy: deny.key, rule: denyRule }, reason: `explicitly denied by: ${deny.key}`, dryRun: dry };
  }
  if (allowPolicies === 0) return { allowed: true, reason: REASON_NO_ALLOW_POLICIES, dryRun: dry };
  if (allow !== undefined) {
    return { allowed: true, decidedBy: { policy: allow.key, rule: allowRule }, reason: `allowed by: ${allow.key}`, dryRun: dry };
  }
  return { allowed: false, reason: REASON_NONE_ALLOWED, dryRun: dry };
}

function sortDryRun(list: DryRunMatch[]): readonly DryRunMatch[] {
  return list.sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
}
