// Whether a policy matches a connection, with ztunnel's exact rules (src/rbac.rs `Authorization::matches`).
// Written as plain loops without closures because it runs for every applicable policy of every connection.
import { cidrContains, type Cidr, type IpAddress } from './ip.js';
import { isEmptyMatch, type Identity, type Match, type Policy, type ServiceAccountMatch, type StringMatch } from './model.js';
import type { ConnectionFacts } from './facts.js';

export function stringMatches(m: StringMatch, value: string): boolean {
  switch (m.type) {
    case 'exact':
      return value === m.value;
    case 'prefix':
      return value.startsWith(m.value);
    case 'suffix':
      return value.endsWith(m.value);
    case 'presence':
      return value !== '';
  }
}

/** `value` undefined means "no peer identity": no principal matcher can match it. */
export function anyString(list: readonly StringMatch[], value: string | undefined): boolean {
  if (value === undefined) return false;
  for (const m of list) if (stringMatches(m, value)) return true;
  return false;
}

export function anyCidr(list: readonly Cidr[], ip: IpAddress): boolean {
  for (const c of list) if (cidrContains(c, ip)) return true;
  return false;
}

export function anyPort(list: readonly number[], port: number): boolean {
  for (const p of list) if (p === port) return true;
  return false;
}

export function anyServiceAccount(list: readonly ServiceAccountMatch[], id: Identity | undefined): boolean {
  if (id === undefined) return false;
  for (const sa of list) if (sa.namespace === id.namespace && sa.serviceAccount === id.serviceAccount) return true;
  return false;
}

// Each check: any positive value must match (when there are any) and no negative value may. Lengths are tested
// first so that the common case (a field not used) costs one comparison.
export function matchMatches(m: Match, f: ConnectionFacts): boolean {
  if (m.destinationIps.length > 0 && !anyCidr(m.destinationIps, f.dst)) return false;
  if (m.notDestinationIps.length > 0 && anyCidr(m.notDestinationIps, f.dst)) return false;
  if (m.sourceIps.length > 0 && !anyCidr(m.sourceIps, f.src)) return false;
  if (m.notSourceIps.length > 0 && anyCidr(m.notSourceIps, f.src)) return false;
  if (m.destinationPorts.length > 0 && !anyPort(m.destinationPorts, f.dstPort)) return false;
  if (m.notDestinationPorts.length > 0 && anyPort(m.notDestinationPorts, f.dstPort)) return false;
  if (m.serviceAccounts.length > 0 && !anyServiceAccount(m.serviceAccounts, f.identity)) return false;
  if (m.notServiceAccounts.length > 0 && anyServiceAccount(m.notServiceAccounts, f.identity)) return false;
  if (m.principals.length > 0 && !anyString(m.principals, f.principal)) return false;
  if (m.notPrincipals.length > 0 && anyString(m.notPrincipals, f.principal)) return false;
  if (m.namespaces.length > 0 && !anyString(m.namespaces, f.namespace)) return false;
  if (m.notNamespaces.length > 0 && anyString(m.notNamespaces, f.namespace)) return false;
  return true;
}

export function clauseMatches(clause: readonly Match[], f: ConnectionFacts): boolean {
  if (clause.length === 0) return true;
  for (const m of clause) if (!isEmptyMatch(m) && matchMatches(m, f)) return true;
  return false;
}

/** Index of the first rule that matches, or -1; a policy without rules never matches. */
export function firstMatchingRule(policy: Policy, f: ConnectionFacts): number {
  let index = 0;
  for (const rule of policy.rules) {
    let all = true;
    for (const clause of rule) {
      if (!clauseMatches(clause, f)) {
        all = false;
        break;
      }
    }
    if (all) return index;
    index++;
  }
  return -1;
}
