// istio.security.Authorization (as istiod sends it to ztunnel) to the domain model. A malformed resource is
// rejected with a reason naming the field, for the xDS client's NACK; the others are accepted. Stricter than ztunnel
// on purpose: ztunnel silently drops bad addresses and untyped string matches and truncates ports to 16 bits, which
// quietly widens or narrows a policy (a dropped not_source_ips entry admits more); a NACK makes the fault visible.
import {
  Action as WireAction, Scope as WireScope, type Address, type Authorization, type Match as WireMatch,
  type StringMatch as WireStringMatch,
} from '@ambient/api/security';
import { AuthzError } from '../errors.js';
import { ipFromBytes, makeCidr, type Cidr } from '../ip.js';
import type { Action, MatchInit, Policy, Scope, StringMatch } from '../model.js';
import { createPolicy } from '../policy.js';

export interface XdsRejection {
  /** The resource name, 'namespace/name' as istiod names Authorization resources. */
  readonly name: string;
  /** What is wrong, with the field path: 'groups[0].rules[0].matches[1].sourceIps[0]: address has 5 bytes, …'. */
  readonly reason: string;
}

export interface XdsConversion {
  readonly accepted: readonly Policy[];
  readonly rejected: readonly XdsRejection[];
}

const SCOPES: Record<number, Scope> = { [WireScope.GLOBAL]: 'GLOBAL', [WireScope.NAMESPACE]: 'NAMESPACE', [WireScope.WORKLOAD_SELECTOR]: 'WORKLOAD_SELECTOR' };
const ACTIONS: Record<number, Action> = { [WireAction.ALLOW]: 'ALLOW', [WireAction.DENY]: 'DENY' };
/** Reasons stop after this many problems: enough to fix the generator, short enough for a NACK detail. */
const MAX_PROBLEMS = 5;

/** Converts a batch; each resource is accepted or rejected on its own. */
export function fromXdsAuthorizations(resources: readonly Authorization[]): XdsConversion {
  const accepted: Policy[] = [];
  const rejected: XdsRejection[] = [];
  for (const resource of resources) {
    try {
      accepted.push(fromXdsAuthorization(resource));
    } catch (error) {
      if (!(error instanceof AuthzError)) throw error;
      rejected.push({ name: resourceName(resource), reason: error.message });
    }
  }
  return { accepted, rejected };
}

/** Converts one resource; throws AuthzError (AUTHZ_ERR_XDS_REJECTED) listing what is malformed. */
export function fromXdsAuthorization(resource: Authorization): Policy {
  const problems: string[] = [];
  const problem = (path: string, text: string) => void problems.push(`${path}: ${text}`);
  if (resource.name === '') problem('name', 'must not be empty');
  const scope = SCOPES[resource.scope];
  if (scope === undefined) problem('scope', `unknown value ${resource.scope}; expected GLOBAL (0), NAMESPACE (1) or WORKLOAD_SELECTOR (2)`);
  const action = ACTIONS[resource.action];
  if (action === undefined) problem('action', `unknown value ${resource.action}; expected ALLOW (0) or DENY (1)`);
  const rules = resource.groups.map((group, g) =>
    group.rules.map((clause, c) => clause.matches.map((m, i) => matchInit(m, `groups[${g}].rules[${c}].matches[${i}]`, problem))),
  );
  if (problems.length > 0 || scope === undefined || action === undefined) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    if (problems.length > MAX_PROBLEMS) shown.push(`and ${problems.length - MAX_PROBLEMS} more`);
    const name = resourceName(resource);
    throw new AuthzError('AUTHZ_ERR_XDS_REJECTED', `Authorization ${name} rejected: ${shown.join('; ')}`, { object: name });
  }
  return createPolicy({ name: resource.name, namespace: resource.namespace, scope, action, dryRun: resource.dryRun, rules });
}

function resourceName(resource: Authorization): string {
  return `${resource.namespace}/${resource.name}`;
}

type Problem = (path: string, text: string) => void;

function matchInit(m: WireMatch, path: string, problem: Problem): MatchInit {
  return {
    namespaces: strings(m.namespaces, `${path}.namespaces`, problem),
    notNamespaces: strings(m.notNamespaces, `${path}.notNamespaces`, problem),
    serviceAccounts: m.serviceAccounts.map((s) => ({ namespace: s.namespace, serviceAccount: s.serviceAccount })),
    notServiceAccounts: m.notServiceAccounts.map((s) => ({ namespace: s.namespace, serviceAccount: s.serviceAccount })),
    principals: strings(m.principals, `${path}.principals`, problem),
    notPrincipals: strings(m.notPrincipals, `${path}.notPrincipals`, problem),
    sourceIps: addresses(m.sourceIps, `${path}.sourceIps`, problem),
    notSourceIps: addresses(m.notSourceIps, `${path}.notSourceIps`, problem),
    destinationIps: addresses(m.destinationIps, `${path}.destinationIps`, problem),
    notDestinationIps: addresses(m.notDestinationIps, `${path}.notDestinationIps`, problem),
    destinationPorts: ports(m.destinationPorts, `${path}.destinationPorts`, problem),
    notDestinationPorts: ports(m.notDestinationPorts, `${path}.notDestinationPorts`, problem),
  };
}

function strings(list: readonly WireStringMatch[], path: string, problem: Problem): StringMatch[] {
  const out: StringMatch[] = [];
  list.forEach((s, i) => {
    const t = s.matchType;
    if (t.case === undefined) problem(`${path}[${i}]`, 'string match sets none of exact, prefix, suffix, presence');
    else if (t.case === 'presence') out.push({ type: 'presence' });
    else out.push({ type: t.case, value: t.value });
  });
  return out;
}

function addresses(list: readonly Address[], path: string, problem: Problem): Cidr[] {
  const out: Cidr[] = [];
  list.forEach((a, i) => {
    const ip = ipFromBytes(a.address);
    if (ip === undefined) return problem(`${path}[${i}]`, `address has ${a.address.length} bytes; expected 4 (IPv4) or 16 (IPv6)`);
    const max = ip.family === 4 ? 32 : 128;
    if (a.length > max) return problem(`${path}[${i}]`, `prefix length ${a.length} is out of range for IPv${ip.family} (0 to ${max})`);
    out.push(makeCidr(ip, a.length));
  });
  return out;
}

function ports(list: readonly number[], path: string, problem: Problem): number[] {
  const out: number[] = [];
  list.forEach((p, i) => {
    if (p < 1 || p > 65535) problem(`${path}[${i}]`, `port ${p} is out of range (1 to 65535)`);
    else out.push(p);
  });
  return out;
}
