// Policies as plain JSON and back: what ztunnel's /config_dump lists under `policies`, so a tool can rebuild the exact
// policies a running ztunnel enforces and evaluate them offline (`ambientctl authz eval --node`). The input comes
// from the network, so every field is checked and a bad one is named by its path.
import { AuthzError } from './errors.js';
import { invalid as bad, MATCH_FIELDS, type Action, type Match, type MatchInit, type Policy, type PolicyInit, type Scope, type StringMatch } from './model.js';
import { createPolicy } from './policy.js';

const SCOPES: readonly Scope[] = ['GLOBAL', 'NAMESPACE', 'WORKLOAD_SELECTOR'];
const ACTIONS: readonly Action[] = ['ALLOW', 'DENY'];
const STRING_TYPES = ['exact', 'prefix', 'suffix', 'presence'] as const;
const CIDR_FIELDS = new Set<string>(['sourceIps', 'notSourceIps', 'destinationIps', 'notDestinationIps']);
const PORT_FIELDS = new Set<string>(['destinationPorts', 'notDestinationPorts']);
const ACCOUNT_FIELDS = new Set<string>(['serviceAccounts', 'notServiceAccounts']);

/** Plain data for a policy: CIDRs as their text, so the JSON reads as the policy was written. */
export function policyToJson(p: Policy): Record<string, unknown> {
  const match = (m: Match): Record<string, unknown> =>
    Object.fromEntries(MATCH_FIELDS.map((f) => [f, CIDR_FIELDS.has(f) ? (m[f] as Match['sourceIps']).map((c) => c.text) : m[f]]));
  return {
    key: p.key, name: p.name, namespace: p.namespace, scope: p.scope, action: p.action, dryRun: p.dryRun,
    rules: p.rules.map((rule) => rule.map((clause) => clause.map(match))),
  };
}

/**
 * Rebuilds a policy from policyToJson's shape or from a plain JSON.stringify of a Policy (CIDRs as objects with
 * `text`). Throws AuthzError (AUTHZ_ERR_INVALID_POLICY) naming the path of the first bad field.
 */
export function policyFromJson(value: unknown, path = 'policy'): Policy {
  const o = object(value, path);
  const name = text(o['name'], `${path}.name`);
  const namespace = text(o['namespace'], `${path}.namespace`);
  const scope = oneOf(o['scope'], SCOPES, `${path}.scope`);
  const action = oneOf(o['action'], ACTIONS, `${path}.action`);
  const dryRun = o['dryRun'] ?? false;
  if (typeof dryRun !== 'boolean') bad(`${path}.dryRun`, 'must be true or false');
  const rules = list(o['rules'] ?? [], `${path}.rules`).map((rule, r) =>
    list(rule, `${path}.rules[${r}]`).map((clause, c) =>
      list(clause, `${path}.rules[${r}][${c}]`).map((m, i) => matchInit(m, `${path}.rules[${r}][${c}][${i}]`)),
    ),
  );
  const policy = build({ name, namespace, scope, action, dryRun, rules }, path);
  if (typeof o['key'] === 'string' && o['key'] !== policy.key) bad(`${path}.key`, `"${o['key']}" is not "${policy.key}"`);
  return policy;
}

/** policyFromJson over a list (a config dump's `policies`). */
export function policiesFromJson(value: unknown, path = 'policies'): Policy[] {
  return list(value, path).map((p, i) => policyFromJson(p, `${path}[${i}]`));
}

/** createPolicy's own checks (CIDRs, ports) name paths from `rules`; prefix them with where this policy sits. */
function build(init: PolicyInit, path: string): Policy {
  try {
    return createPolicy(init);
  } catch (err) {
    if (err instanceof AuthzError && err.location.path !== undefined) bad(`${path}.${err.location.path}`, err.message.slice(err.location.path.length + 2));
    throw err;
  }
}

function matchInit(value: unknown, path: string): MatchInit {
  const o = object(value, path);
  for (const key of Object.keys(o)) if (!(MATCH_FIELDS as readonly string[]).includes(key)) bad(`${path}.${key}`, 'is not a match field');
  const init: Record<string, unknown> = {};
  for (const field of MATCH_FIELDS) {
    const items = list(o[field] ?? [], `${path}.${field}`);
    const at = (i: number): string => `${path}.${field}[${i}]`;
    if (CIDR_FIELDS.has(field)) init[field] = items.map((c, i) => (typeof c === 'string' ? c : text(object(c, at(i))['text'], `${at(i)}.text`)));
    else if (PORT_FIELDS.has(field)) init[field] = items.map((p, i) => (typeof p === 'number' ? p : bad(at(i), 'is not a port number')));
    else if (ACCOUNT_FIELDS.has(field)) init[field] = items.map((s, i) => serviceAccount(s, at(i)));
    else init[field] = items.map((s, i) => stringMatch(s, at(i)));
  }
  return init as MatchInit;
}

function stringMatch(value: unknown, path: string): StringMatch {
  const o = object(value, path);
  const type = oneOf(o['type'], STRING_TYPES, `${path}.type`);
  return type === 'presence' ? { type } : { type, value: typeof o['value'] === 'string' ? o['value'] : bad(`${path}.value`, 'must be a string') };
}

function serviceAccount(value: unknown, path: string): { namespace: string; serviceAccount: string } {
  const o = object(value, path);
  return { namespace: text(o['namespace'], `${path}.namespace`), serviceAccount: text(o['serviceAccount'], `${path}.serviceAccount`) };
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  return bad(path, 'must be an object');
}

function list(value: unknown, path: string): unknown[] {
  return Array.isArray(value) ? value : bad(path, 'must be a list');
}

function text(value: unknown, path: string): string {
  return typeof value === 'string' && value !== '' ? value : bad(path, 'must be a non-empty string');
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  return (allowed as readonly unknown[]).includes(value) ? (value as T) : bad(path, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
}

