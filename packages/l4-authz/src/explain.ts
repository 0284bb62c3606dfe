// Why a connection was allowed or denied: for every applicable policy, whether it matched and, if not, the first
// field that failed in each rule, in the words a user can act on (what `ambientctl authz eval` prints).
import { decide, type Decision } from './evaluate.js';
import { ConnectionFacts } from './facts.js';
import { formatIp } from './ip.js';
import { anyCidr, anyPort, anyServiceAccount, anyString, clauseMatches, firstMatchingRule } from './matching.js';
import { formatStringMatch, isEmptyMatch, type Action, type Connection, type Match, type Policy, type Scope, type WorkloadRef } from './model.js';
import type { PolicyStore } from './store.js';

export interface PolicyExplanation {
  readonly policy: string;
  readonly action: Action;
  readonly scope: Scope;
  readonly dryRun: boolean;
  readonly matched: boolean;
  /** The first matching rule, when matched. */
  readonly rule?: number;
  /** 'matched rule 0', or per rule the first failure: 'rule 0 clause 1: source principal "…" not in ["…"]'. */
  readonly detail: string;
}

export interface Explanation {
  readonly decision: Decision;
  /** One entry per applicable policy, sorted by key. */
  readonly policies: readonly PolicyExplanation[];
}

export interface WorkloadExplanation extends Explanation {
  /** Keys the workload lists that the store does not hold; ztunnel skips them (often a sync problem). */
  readonly missingPolicies: readonly string[];
}

/** explain() for a destination workload: its applicable policies from the store, plus the keys it lists in vain. */
export function explainWorkload(store: PolicyStore, workload: WorkloadRef, connection: Connection): WorkloadExplanation {
  return { ...explain(connection, store.findApplicable(workload)), missingPolicies: store.findMissing(workload) };
}

export function explain(connection: Connection, policies: readonly Policy[]): Explanation {
  const f = new ConnectionFacts(connection);
  const unique = [...new Map(policies.map((p) => [p.key, p])).values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    decision: decide(f, unique),
    policies: unique.map((p) => {
      const rule = firstMatchingRule(p, f);
      const base = { policy: p.key, action: p.action, scope: p.scope, dryRun: p.dryRun };
      if (rule >= 0) return { ...base, matched: true, rule, detail: `matched rule ${rule}` };
      return { ...base, matched: false, detail: whyNot(p, f) };
    }),
  };
}

function whyNot(p: Policy, f: ConnectionFacts): string {
  if (p.rules.length === 0) return 'policy has no rules, so it never matches';
  return p.rules
    .map((rule, r) => {
      const c = rule.findIndex((clause) => !clauseMatches(clause, f));
      const clause = rule[c] ?? [];
      return `rule ${r} clause ${c}: ${whyClauseFails(clause, f)}`;
    })
    .join('; ');
}

function whyClauseFails(clause: readonly Match[], f: ConnectionFacts): string {
  const reasons = clause.map((m) => (isEmptyMatch(m) ? 'match is empty (only unsupported HTTP conditions?), never matches' : firstFailure(m, f) ?? 'matched'));
  if (reasons.length === 1) return reasons[0] ?? '';
  return `none of ${reasons.length} matches: ${reasons.map((r, i) => `[${i}] ${r}`).join('; ')}`;
}

/** The first failing field in ztunnel's checking order, or undefined when the match matches. */
function firstFailure(m: Match, f: ConnectionFacts): string | undefined {
  const dst = formatIp(f.dst);
  const src = formatIp(f.src);
  const sa = f.identity === undefined ? '(no identity: plaintext)' : `${f.identity.namespace}/${f.identity.serviceAccount}`;
  const principal = f.principal === undefined ? '(no identity: plaintext)' : JSON.stringify(f.principal);
  const cidrs = (l: Match['sourceIps']) => l.map((c) => c.text).join(', ');
  const strings = (l: Match['principals']) => l.map(formatStringMatch).join(', ');
  const accounts = (l: Match['serviceAccounts']) => l.map((s) => `${s.namespace}/${s.serviceAccount}`).join(', ');
  const checks: [boolean, boolean, string, string, string][] = [
    [m.destinationIps.length > 0 && !anyCidr(m.destinationIps, f.dst), anyCidr(m.notDestinationIps, f.dst), `destination IP ${dst}`, cidrs(m.destinationIps), cidrs(m.notDestinationIps)],
    [m.sourceIps.length > 0 && !anyCidr(m.sourceIps, f.src), anyCidr(m.notSourceIps, f.src), `source IP ${src}`, cidrs(m.sourceIps), cidrs(m.notSourceIps)],
    [m.destinationPorts.length > 0 && !anyPort(m.destinationPorts, f.dstPort), anyPort(m.notDestinationPorts, f.dstPort), `destination port ${f.dstPort}`, m.destinationPorts.join(', '), m.notDestinationPorts.join(', ')],
    [m.serviceAccounts.length > 0 && !anyServiceAccount(m.serviceAccounts, f.identity), anyServiceAccount(m.notServiceAccounts, f.identity), `source service account ${sa}`, accounts(m.serviceAccounts), accounts(m.notServiceAccounts)],
    [m.principals.length > 0 && !anyString(m.principals, f.principal), anyString(m.notPrincipals, f.principal), `source principal ${principal}`, strings(m.principals), strings(m.notPrincipals)],
    [m.namespaces.length > 0 && !anyString(m.namespaces, f.namespace), anyString(m.notNamespaces, f.namespace), `source namespace ${JSON.stringify(f.namespace)}${f.identity ? '' : ' (no identity)'}`, strings(m.namespaces), strings(m.notNamespaces)],
  ];
  for (const [positiveFails, negativeHits, subject, positives, negatives] of checks) {
    if (positiveFails) return `${subject} not in [${positives}]`;
    if (negativeHits) return `${subject} matches a not-value [${negatives}]`;
  }
  return undefined;
}
