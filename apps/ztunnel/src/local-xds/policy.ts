// One entry of a local xDS file's `policies` (ztunnel's Authorization in camelCase: `rules` is a list of rules, each a
// list of clauses, each a list of matches) to the istio.security.Authorization xDS would send (groups → rules →
// matches). String matches are serde's externally tagged enum: `{Exact: x}`, `{Prefix: x}`, `{Suffix: x}`,
// `{Presence: []}`, or the same as YAML tags (`!Exact x`), as serde_yaml writes them.
import { create } from '@bufbuild/protobuf';
import {
  Action, AuthorizationSchema, MatchSchema, Scope, ServiceAccountMatchSchema, StringMatchSchema,
  type Address, type Authorization, type Match, type ServiceAccountMatch, type StringMatch,
} from '@ambient/api/security';
import { describe, fieldPath, type FieldReader } from './fields.js';

const FIELDS = ['name', 'namespace', 'scope', 'action', 'rules', 'dryRun'] as const;
const SCOPES = { Global: Scope.GLOBAL, Namespace: Scope.NAMESPACE, WorkloadSelector: Scope.WORKLOAD_SELECTOR };
const ACTIONS = { Allow: Action.ALLOW, Deny: Action.DENY };
const STRING_MATCHES = ['namespaces', 'notNamespaces', 'principals', 'notPrincipals'] as const;
const ACCOUNT_MATCHES = ['serviceAccounts', 'notServiceAccounts'] as const;
const IP_MATCHES = ['sourceIps', 'notSourceIps', 'destinationIps', 'notDestinationIps'] as const;
const PORT_MATCHES = ['destinationPorts', 'notDestinationPorts'] as const;
const MATCH_FIELDS = [...STRING_MATCHES, ...ACCOUNT_MATCHES, ...IP_MATCHES, ...PORT_MATCHES];

export function localPolicy(f: FieldReader, value: unknown, path: string): Authorization | undefined {
  const m = f.mapping(value, path, FIELDS);
  if (m === undefined) {
    if (value === undefined || value === null) f.problem(path, 'is empty; a policy needs a name, namespace, scope and action');
    return undefined;
  }
  const at = (key: (typeof FIELDS)[number]): string => fieldPath(path, key);
  const required = <T>(key: 'scope' | 'action', names: Readonly<Record<string, T>>): T | undefined => {
    if (m[key] !== undefined) return f.oneOf(m[key], at(key), names);
    f.problem(at(key), `is required (one of ${Object.keys(names).join(', ')})`);
    return undefined;
  };
  const scope = required('scope', SCOPES);
  const action = required('action', ACTIONS);
  const groups = f.list(m['rules'], at('rules')).map((rule, r) => {
    const rulePath = fieldPath(at('rules'), r);
    const clauses = f.list(rule, rulePath).map((clause, c) => {
      const clausePath = fieldPath(rulePath, c);
      return { matches: f.list(clause, clausePath).flatMap((mg, i) => rbacMatch(f, mg, fieldPath(clausePath, i)) ?? []) };
    });
    return { rules: clauses };
  });
  return create(AuthorizationSchema, {
    name: f.required(m['name'], at('name')),
    namespace: f.required(m['namespace'], at('namespace')),
    scope: scope ?? Scope.GLOBAL,
    action: action ?? Action.ALLOW,
    groups,
    dryRun: f.bool(m['dryRun'], at('dryRun')),
  });
}

function rbacMatch(f: FieldReader, value: unknown, path: string): Match | undefined {
  const m = f.mapping(value, path, MATCH_FIELDS);
  if (m === undefined) {
    if (value === undefined || value === null) f.problem(path, 'is empty; write {} for a match of no fields');
    return undefined;
  }
  const list = <T>(key: string, read: (v: unknown, p: string) => T | undefined): T[] =>
    f.list(m[key], fieldPath(path, key)).flatMap((v, i) => read(v, fieldPath(fieldPath(path, key), i)) ?? []);
  const init: Record<string, unknown> = {};
  for (const key of STRING_MATCHES) init[key] = list(key, (v, p) => stringMatch(f, v, p));
  for (const key of ACCOUNT_MATCHES) init[key] = list(key, (v, p) => serviceAccountMatch(f, v, p));
  for (const key of IP_MATCHES) init[key] = list(key, (v, p): Omit<Address, '$typeName'> | undefined => f.cidr(v, p));
  for (const key of PORT_MATCHES) init[key] = list(key, (v, p) => f.int(v, p, 1, 65535, 'a port'));
  return create(MatchSchema, init);
}

function stringMatch(f: FieldReader, value: unknown, path: string): StringMatch | undefined {
  const entries = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  const [kind, arg] = entries[0] ?? [];
  if (entries.length !== 1 || !['Exact', 'Prefix', 'Suffix', 'Presence'].includes(kind ?? '')) {
    f.problem(path, `${describe(value)} is not a string match: {Exact: x}, {Prefix: x}, {Suffix: x} or {Presence: []}`);
    return undefined;
  }
  if (kind === 'Presence') {
    if (arg !== null && arg !== '' && !(Array.isArray(arg) && arg.length === 0)) f.problem(fieldPath(path, 'Presence'), `takes no value (write []), got ${describe(arg)}`);
    return create(StringMatchSchema, { matchType: { case: 'presence', value: {} } });
  }
  const text = f.string(arg, fieldPath(path, kind ?? ''));
  const matchCase = kind === 'Exact' ? 'exact' : kind === 'Prefix' ? 'prefix' : 'suffix';
  return create(StringMatchSchema, { matchType: { case: matchCase, value: text } });
}

function serviceAccountMatch(f: FieldReader, value: unknown, path: string): ServiceAccountMatch | undefined {
  const m = f.mapping(value, path, ['namespace', 'serviceAccount']);
  if (m === undefined) {
    if (value === undefined || value === null) f.problem(path, 'is empty; give namespace and serviceAccount');
    return undefined;
  }
  return create(ServiceAccountMatchSchema, {
    namespace: f.required(m['namespace'], fieldPath(path, 'namespace')),
    serviceAccount: f.required(m['serviceAccount'], fieldPath(path, 'serviceAccount')),
  });
}
