// Policies compiled into closures that test only the fields a match uses, in ztunnel's order. Same answers as
// matching.ts (which stays the reference and serves explanations), at a fraction of the cost per connection.
import type { ConnectionFacts } from './facts.js';
import { anyCidr, anyPort, anyServiceAccount, anyString } from './matching.js';
import { isEmptyMatch, type Clause, type Match, type Policy, type Rule, type StringMatch } from './model.js';

type Check = (f: ConnectionFacts) => boolean;
/** Index of the first matching rule, or -1. */
export type PolicyMatcher = (f: ConnectionFacts) => number;

const ALWAYS: Check = () => true;
const NEVER: Check = () => false;
export function compilePolicy(policy: Policy): PolicyMatcher {
  const rules = policy.rules.map(compileRule);
  const [only] = rules;
  if (only === undefined) return () => -1;
  if (rules.length === 1) return (f) => (only(f) ? 0 : -1);
  return (f) => {
    let i = 0;
    for (const rule of rules) {
      if (rule(f)) return i;
      i++;
    }
    return -1;
  };
}

function all(checks: readonly Check[]): Check {
  const [a, b] = checks;
  if (a === undefined) return ALWAYS;
  if (b === undefined) return a;
  if (checks.length === 2) return (f) => a(f) && b(f);
  return (f) => {
    for (const c of checks) if (!c(f)) return false;
    return true;
  };
}

function any(checks: readonly Check[]): Check {
  const [a, b] = checks;
  if (a === undefined) return NEVER;
  if (b === undefined) return a;
  return (f) => {
    for (const c of checks) if (c(f)) return true;
    return false;
  };
}

function compileRule(rule: Rule): Check {
  return all(rule.map(compileClause));
}

function compileClause(clause: Clause): Check {
  if (clause.length === 0) return ALWAYS;
  return any(clause.filter((m) => !isEmptyMatch(m)).map(compileMatch));
}

function compileMatch(m: Match): Check {
  const checks: Check[] = [];
  const add = (used: boolean, check: Check) => used && checks.push(check);
  add(m.destinationIps.length > 0, (f) => anyCidr(m.destinationIps, f.dst));
  add(m.notDestinationIps.length > 0, (f) => !anyCidr(m.notDestinationIps, f.dst));
  add(m.sourceIps.length > 0, (f) => anyCidr(m.sourceIps, f.src));
  add(m.notSourceIps.length > 0, (f) => !anyCidr(m.notSourceIps, f.src));
  add(m.destinationPorts.length > 0, (f) => anyPort(m.destinationPorts, f.dstPort));
  add(m.notDestinationPorts.length > 0, (f) => !anyPort(m.notDestinationPorts, f.dstPort));
  add(m.serviceAccounts.length > 0, (f) => anyServiceAccount(m.serviceAccounts, f.identity));
  add(m.notServiceAccounts.length > 0, (f) => !anyServiceAccount(m.notServiceAccounts, f.identity));
  if (m.principals.length > 0) checks.push(principals(m.principals));
  if (m.notPrincipals.length > 0) {
    const hit = principals(m.notPrincipals);
    checks.push((f) => !hit(f));
  }
  add(m.namespaces.length > 0, (f) => anyString(m.namespaces, f.namespace));
  add(m.notNamespaces.length > 0, (f) => !anyString(m.notNamespaces, f.namespace));
  return all(checks);
}

/**
 * Exact principals of the usual form 'td/ns/N/sa/S' compare the identity's parts instead of building the principal
 * string: with exactly four slashes in the value, the built string equals it only if each part does.
 */
function principals(list: readonly StringMatch[]): Check {
  const triples: [string, string, string][] = [];
  const others: StringMatch[] = [];
  for (const m of list) {
    const parts = m.type === 'exact' ? m.value.split('/') : [];
    const [td, ns, namespace, sa, account] = parts;
    if (parts.length === 5 && ns === 'ns' && sa === 'sa' && td !== undefined && namespace !== undefined && account !== undefined) {
      triples.push([td, namespace, account]);
    } else {
      others.push(m);
    }
  }
  return (f) => {
    const id = f.identity;
    if (id === undefined) return false;
    for (const [td, namespace, account] of triples) {
      if (id.serviceAccount === account && id.namespace === namespace && id.trustDomain === td) return true;
    }
    return others.length > 0 && anyString(others, f.principal);
  };
}
