// AuthorizationPolicy to the istio.security.Authorization istiod sends ztunnel (pilot/pkg/serviceregistry/ambient/
// authorization.go): scope from selector and namespace, HTTP-only parts dropped from ALLOW rules and stripped from
// DENY rules, with istiod's status messages as notices.
import { create } from '@bufbuild/protobuf';
import {
  Action, AuthorizationSchema, Scope, type Authorization, type Group, type Match, type MatchSchema, type Rules,
  type StringMatchSchema,
} from '@ambient/api/security';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { ipToBytes, parseCidr } from '../ip.js';
import type { ApRule, AuthorizationPolicySpec, Condition, Operation, Source } from './authorization-policy-spec.js';
import type { ObjectHeader } from './objects.js';
import { L4_WHEN_KEYS } from './values.js';

type MatchInit = MessageInitShape<typeof MatchSchema>;
type StringMatchInit = MessageInitShape<typeof StringMatchSchema>;
type RulesInit = { matches: MatchInit[] };

export interface ConvertedPolicy {
  readonly authorization: Authorization | undefined;
  /** istiod's status messages: why the policy is not sent, or what ztunnel leaves out. */
  readonly notices: readonly string[];
}

export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

const HTTP_NO_EFFECT = 'After omitting unsupported HTTP attributes, this DENY policy has no enforceable rules at ztunnel and will have no effect. Deploy a waypoint proxy and use a targetRef to enforce this policy.';
const HTTP_DENY_MIXED = 'DENY policy with HTTP attributes is enforced without the HTTP rules. This will be more restrictive than requested.';
const HTTP_ALLOW = 'Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.';

export function convertAuthorizationPolicy(
  header: ObjectHeader, spec: AuthorizationPolicySpec, rootNamespace: string, dryRunSupported: boolean,
): ConvertedPolicy {
  const notices: string[] = [];
  const dryRun = parseDryRun(header.annotations[DRY_RUN_ANNOTATION], notices);
  if (dryRun && !dryRunSupported) {
    return { authorization: undefined, notices: [`uses the ${DRY_RUN_ANNOTATION} annotation, but dry-run policies are not enabled for ztunnel`] };
  }
  if (spec.targeted) return { authorization: undefined, notices: ['has targetRefs: a waypoint enforces it, ztunnel does not receive it'] };
  if (spec.action === 'AUDIT' || spec.action === 'CUSTOM') {
    return { authorization: undefined, notices: [`ztunnel does not support the ${spec.action} action`] };
  }
  const action = spec.action === 'DENY' ? Action.DENY : Action.ALLOW;
  const scope = spec.selector !== undefined ? Scope.WORKLOAD_SELECTOR : header.namespace === rootNamespace ? Scope.GLOBAL : Scope.NAMESPACE;
  const groups: { rules: RulesInit[] }[] = [];
  const http = new Set<string>();
  for (const rule of spec.rules ?? []) {
    const clauses = convertRule(action, rule, header.namespace, http);
    if (clauses !== undefined) groups.push({ rules: clauses });
  }
  if (spec.selector !== undefined && Object.keys(spec.selector).length === 0) {
    notices.push('workload selector specified without labels: it selects every workload in its namespace');
  }
  const authorization = create(AuthorizationSchema, { name: header.name, namespace: header.namespace, scope, action, groups, dryRun });
  if (http.size > 0) {
    const tail = action === Action.ALLOW ? HTTP_ALLOW : hasEffectiveRules(authorization.groups) ? HTTP_DENY_MIXED : HTTP_NO_EFFECT;
    notices.push(`ztunnel does not support HTTP attributes (found: ${[...http].sort().join(', ')}). In ambient mode you must use a waypoint proxy to enforce HTTP rules. ${tail}`);
  }
  return { authorization, notices };
}

/** Go's strconv.ParseBool, as istiod reads the annotation; an unparsable value counts as false, with a notice. */
function parseDryRun(value: string | undefined, notices: string[]): boolean {
  if (value === undefined || value === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  notices.push(`annotation ${DRY_RUN_ANNOTATION}: "${value}" is not a boolean; the policy is enforced (not dry-run)`);
  return false;
}

/** One Istio rule to clauses: all `to` entries form one clause, all `from` entries another, each `when` its own. */
function convertRule(action: Action, rule: ApRule, namespace: string, http: Set<string>): RulesInit[] | undefined {
  let foundHttp = false;
  const note = (names: readonly string[]) => {
    for (const n of names) http.add(n);
    foundHttp ||= names.length > 0;
  };
  const clauses: RulesInit[] = [];
  if (rule.to.length > 0) clauses.push({ matches: rule.to.map((op) => (note(httpOperationFields(op)), toMatch(op))) });
  if (rule.from.length > 0) clauses.push({ matches: rule.from.map((src) => (note(httpSourceFields(src)), fromMatch(src, namespace))) });
  for (const when of rule.when) {
    if (!L4_WHEN_KEYS.includes(when.key)) note([when.key]);
    clauses.push({ matches: [whenMatch(when)] });
  }
  // An ALLOW rule that needs HTTP can never be satisfied at L4; dropping it is the restrictive choice.
  return action === Action.ALLOW && foundHttp ? undefined : clauses;
}

function httpOperationFields(op: Operation): string[] {
  return (['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'] as const).filter((f) => op[f].length > 0);
}

function httpSourceFields(src: Source): string[] {
  const fields = ['remoteIpBlocks', 'notRemoteIpBlocks', 'requestPrincipals', 'notRequestPrincipals', 'trustDomains', 'notTrustDomains'] as const;
  return fields.filter((f) => src[f].length > 0);
}

function toMatch(op: Operation): MatchInit {
  return { destinationPorts: ports(op.ports), notDestinationPorts: ports(op.notPorts) };
}

function fromMatch(src: Source, namespace: string): MatchInit {
  return {
    sourceIps: addresses(src.ipBlocks),
    notSourceIps: addresses(src.notIpBlocks),
    namespaces: strings(src.namespaces),
    notNamespaces: strings(src.notNamespaces),
    serviceAccounts: serviceAccounts(src.serviceAccounts, namespace),
    notServiceAccounts: serviceAccounts(src.notServiceAccounts, namespace),
    principals: strings(src.principals),
    notPrincipals: strings(src.notPrincipals),
  };
}

function whenMatch(when: Condition): MatchInit {
  const pick = (key: string, values: string[]) => (when.key === key ? values : []);
  return {
    namespaces: strings(pick('source.namespace', when.values)),
    principals: strings(pick('source.principal', when.values)),
    sourceIps: addresses(pick('source.ip', when.values)),
    destinationPorts: ports(pick('destination.port', when.values)),
    destinationIps: addresses(pick('destination.ip', when.values)),
    notNamespaces: strings(pick('source.namespace', when.notValues)),
    notPrincipals: strings(pick('source.principal', when.notValues)),
    notSourceIps: addresses(pick('source.ip', when.notValues)),
    notDestinationPorts: ports(pick('destination.port', when.notValues)),
    notDestinationIps: addresses(pick('destination.ip', when.notValues)),
  };
}

/** Istio's '*' presence, '*x' suffix, 'x*' prefix, otherwise exact. */
export function strings(values: readonly string[]): StringMatchInit[] {
  return values.map((v): StringMatchInit => {
    if (v === '*') return { matchType: { case: 'presence', value: create(EmptySchema) } };
    if (v.startsWith('*')) return { matchType: { case: 'suffix', value: v.slice(1) } };
    if (v.endsWith('*')) return { matchType: { case: 'prefix', value: v.slice(0, -1) } };
    return { matchType: { case: 'exact', value: v } };
  });
}

function serviceAccounts(values: readonly string[], namespace: string) {
  return values.map((v) => {
    const slash = v.indexOf('/');
    return slash < 0 ? { namespace, serviceAccount: v } : { namespace: v.slice(0, slash), serviceAccount: v.slice(slash + 1) };
  });
}

function addresses(values: readonly string[]) {
  return values.flatMap((v) => {
    const cidr = parseCidr(v);
    return cidr === undefined ? [] : [{ address: ipToBytes(cidr), length: cidr.prefix }];
  });
}

function ports(values: readonly string[]): number[] {
  return values.map(Number).filter((p) => Number.isInteger(p) && p >= 1 && p <= 65535);
}

/** Whether some group can ever fire at ztunnel (a clause whose matches are all empty never matches). */
export function hasEffectiveRules(groups: readonly Group[]): boolean {
  return groups.some((g) => g.rules.every((clause: Rules) => clause.matches.some((m) => !isEmptyWireMatch(m))));
}

function isEmptyWireMatch(m: Match): boolean {
  return (
    m.namespaces.length + m.notNamespaces.length + m.serviceAccounts.length + m.notServiceAccounts.length +
      m.principals.length + m.notPrincipals.length + m.sourceIps.length + m.notSourceIps.length +
      m.destinationIps.length + m.notDestinationIps.length + m.destinationPorts.length + m.notDestinationPorts.length === 0
  );
}
