// The L4 authorization domain model, shaped as ztunnel holds it (src/rbac.rs): a policy has rules (OR'd), a rule
// has clauses (AND'd), a clause has matches (OR'd), a match has typed fields (AND'd, each with a not_ variant).
import { AuthzError } from './errors.js';
import { parseCidr, type Cidr } from './ip.js';

export type Action = 'ALLOW' | 'DENY';
/** GLOBAL applies to every workload, NAMESPACE to its namespace, WORKLOAD_SELECTOR to workloads naming its key. */
export type Scope = 'GLOBAL' | 'NAMESPACE' | 'WORKLOAD_SELECTOR';

/** String matches as on the wire; `presence` means "any non-empty value". */
export type StringMatch =
  | { readonly type: 'exact' | 'prefix' | 'suffix'; readonly value: string }
  | { readonly type: 'presence' };

export interface ServiceAccountMatch {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface Match {
  readonly namespaces: readonly StringMatch[];
  readonly notNamespaces: readonly StringMatch[];
  readonly serviceAccounts: readonly ServiceAccountMatch[];
  readonly notServiceAccounts: readonly ServiceAccountMatch[];
  readonly principals: readonly StringMatch[];
  readonly notPrincipals: readonly StringMatch[];
  readonly sourceIps: readonly Cidr[];
  readonly notSourceIps: readonly Cidr[];
  readonly destinationIps: readonly Cidr[];
  readonly notDestinationIps: readonly Cidr[];
  readonly destinationPorts: readonly number[];
  readonly notDestinationPorts: readonly number[];
}

/** Any one match suffices; a clause with no matches at all matches everything. */
export type Clause = readonly Match[];
/** Every clause must match; a rule with no clauses matches everything (Istio's `rules: [{}]`). */
export type Rule = readonly Clause[];

export interface Policy {
  /** 'namespace/name', the key workloads list and the store indexes by. */
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  readonly scope: Scope;
  readonly action: Action;
  /** A policy with no rules never matches (so an ALLOW with no rules denies everything it applies to). */
  readonly rules: readonly Rule[];
  /** Dry-run policies are evaluated and reported but never decide. */
  readonly dryRun: boolean;
}

/** A SPIFFE identity spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>. */
export interface Identity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** What the destination ztunnel knows about an inbound connection. */
export interface Connection {
  /** Peer address of the TCP connection, IPv4 or IPv6 text. */
  readonly srcIp: string;
  /** Verified peer identity from the mTLS certificate; absent for plaintext (port 15006). */
  readonly srcIdentity?: Identity | undefined;
  readonly dstIp: string;
  /** The target port the workload serves, never the HBONE port 15008. */
  readonly dstPort: number;
}

/** The destination workload as far as policy lookup needs it. */
export interface WorkloadRef {
  readonly namespace: string;
  readonly uid?: string;
  /** Keys ('ns/name') of WORKLOAD_SELECTOR policies that select it (Workload.authorization_policies). */
  readonly authorizationPolicies: readonly string[];
}

/** Convenient input for a match: strings use Istio's notation ('*', 'x*', '*x', exact) and CIDR text. */
export interface MatchInit {
  readonly namespaces?: readonly (StringMatch | string)[];
  readonly notNamespaces?: readonly (StringMatch | string)[];
  readonly serviceAccounts?: readonly (ServiceAccountMatch | string)[];
  readonly notServiceAccounts?: readonly (ServiceAccountMatch | string)[];
  readonly principals?: readonly (StringMatch | string)[];
  readonly notPrincipals?: readonly (StringMatch | string)[];
  readonly sourceIps?: readonly (Cidr | string)[];
  readonly notSourceIps?: readonly (Cidr | string)[];
  readonly destinationIps?: readonly (Cidr | string)[];
  readonly notDestinationIps?: readonly (Cidr | string)[];
  readonly destinationPorts?: readonly number[];
  readonly notDestinationPorts?: readonly number[];
}

export interface PolicyInit {
  readonly name: string;
  readonly namespace: string;
  readonly scope: Scope;
  readonly action?: Action;
  readonly dryRun?: boolean;
  /** rules → clauses → matches. */
  readonly rules?: readonly (readonly (readonly MatchInit[])[])[];
}

/** Istio's mapping from a policy string to a match: '*' presence, '*x' suffix, 'x*' prefix, otherwise exact. */
export function stringMatch(text: string): StringMatch {
  if (text === '*') return { type: 'presence' };
  if (text.startsWith('*')) return { type: 'suffix', value: text.slice(1) };
  if (text.endsWith('*')) return { type: 'prefix', value: text.slice(0, -1) };
  return { type: 'exact', value: text };
}

/** The inverse of stringMatch, used in explanations so users see what they wrote. */
export function formatStringMatch(m: StringMatch): string {
  switch (m.type) {
    case 'presence':
      return '"*"';
    case 'prefix':
      return JSON.stringify(`${m.value}*`);
    case 'suffix':
      return JSON.stringify(`*${m.value}`);
    case 'exact':
      return JSON.stringify(m.value);
  }
}

export const MATCH_FIELDS = [
  'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'principals', 'notPrincipals',
  'sourceIps', 'notSourceIps', 'destinationIps', 'notDestinationIps', 'destinationPorts', 'notDestinationPorts',
] as const satisfies readonly (keyof Match)[];

/** A match with no field set; ztunnel skips it, so it never matches. */
export function isEmptyMatch(m: Match): boolean {
  return (
    m.namespaces.length === 0 && m.notNamespaces.length === 0 && m.serviceAccounts.length === 0 &&
    m.notServiceAccounts.length === 0 && m.principals.length === 0 && m.notPrincipals.length === 0 &&
    m.sourceIps.length === 0 && m.notSourceIps.length === 0 && m.destinationIps.length === 0 &&
    m.notDestinationIps.length === 0 && m.destinationPorts.length === 0 && m.notDestinationPorts.length === 0
  );
}

export function invalid(path: string, problem: string): never {
  throw new AuthzError('AUTHZ_ERR_INVALID_POLICY', `${path}: ${problem}`, { path });
}

function toStringMatches(values: readonly (StringMatch | string)[] | undefined): StringMatch[] {
  return (values ?? []).map((v) => (typeof v === 'string' ? stringMatch(v) : v));
}

function toServiceAccounts(values: readonly (ServiceAccountMatch | string)[] | undefined, path: string): ServiceAccountMatch[] {
  return (values ?? []).map((v, i) => {
    if (typeof v !== 'string') return v;
    const [namespace, serviceAccount, extra] = v.split('/');
    if (namespace === undefined || serviceAccount === undefined || extra !== undefined || !namespace || !serviceAccount) {
      invalid(`${path}[${i}]`, `service account "${v}" is not "namespace/serviceAccount"`);
    }
    return { namespace, serviceAccount };
  });
}

function toCidrs(values: readonly (Cidr | string)[] | undefined, path: string): Cidr[] {
  return (values ?? []).map((v, i) => {
    if (typeof v !== 'string') return v;
    return parseCidr(v) ?? invalid(`${path}[${i}]`, `"${v}" is not an IP address or CIDR range`);
  });
}

function toPorts(values: readonly number[] | undefined, path: string): number[] {
  return (values ?? []).map((p, i) =>
    Number.isInteger(p) && p >= 1 && p <= 65535 ? p : invalid(`${path}[${i}]`, `port ${p} is not from 1 to 65535`),
  );
}

/** Builds a frozen match; throws AuthzError (AUTHZ_ERR_INVALID_POLICY) naming the bad field. */
export function createMatch(init: MatchInit, path = 'match'): Match {
  return Object.freeze({
    namespaces: toStringMatches(init.namespaces),
    notNamespaces: toStringMatches(init.notNamespaces),
    serviceAccounts: toServiceAccounts(init.serviceAccounts, `${path}.serviceAccounts`),
    notServiceAccounts: toServiceAccounts(init.notServiceAccounts, `${path}.notServiceAccounts`),
    principals: toStringMatches(init.principals),
    notPrincipals: toStringMatches(init.notPrincipals),
    sourceIps: toCidrs(init.sourceIps, `${path}.sourceIps`),
    notSourceIps: toCidrs(init.notSourceIps, `${path}.notSourceIps`),
    destinationIps: toCidrs(init.destinationIps, `${path}.destinationIps`),
    notDestinationIps: toCidrs(init.notDestinationIps, `${path}.notDestinationIps`),
    destinationPorts: toPorts(init.destinationPorts, `${path}.destinationPorts`),
    notDestinationPorts: toPorts(init.notDestinationPorts, `${path}.notDestinationPorts`),
  });
}

/** 'trustDomain/ns/namespace/sa/serviceAccount': the principal form policies compare (no spiffe://). */
export function principalOf(id: Identity): string {
  return `${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}
