// PeerAuthentication in ambient mode, as istiod handles it (pilot/pkg/serviceregistry/ambient/authorization.go and
// policies.go): effective STRICT becomes a reference to the static DENY policy '<root>/istio_converted_static_strict'
// (deny connections without a peer identity); workload policies with port-level mTLS become their own DENY policies.
import { create } from '@bufbuild/protobuf';
import { Action, AuthorizationSchema, Scope, type Authorization, type RulesSchema } from '@ambient/api/security';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { FieldReader } from './fields.js';
import { readSelector, selects, type ObjectHeader } from './objects.js';
import { strings } from './authorization-policy.js';

export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

export interface PeerAuthenticationSpec {
  /** matchLabels when `selector` is present (possibly empty). */
  readonly selector: Readonly<Record<string, string>> | undefined;
  readonly mode: MtlsMode;
  /** Port-level modes sorted by port, as istiod walks them. */
  readonly portLevel: readonly (readonly [number, MtlsMode])[];
}

export interface PeerAuthenticationObject {
  readonly header: ObjectHeader;
  readonly spec: PeerAuthenticationSpec;
}

export const STATIC_STRICT_POLICY_NAME = 'istio_converted_static_strict';
export const CONVERTED_PEER_AUTHENTICATION_PREFIX = 'converted_peer_authentication_';

const MODES: readonly MtlsMode[] = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'];

export function readPeerAuthenticationSpec(value: unknown, r: FieldReader): PeerAuthenticationSpec {
  const spec = r.object(value, ['spec'], ['selector', 'mtls', 'portLevelMtls']) ?? {};
  const selector = readSelector(spec['selector'], ['spec', 'selector'], r);
  const mode = readMode(spec['mtls'], ['spec', 'mtls'], r);
  const ports = r.object(spec['portLevelMtls'], ['spec', 'portLevelMtls']);
  const portLevel: [number, MtlsMode][] = [];
  for (const [key, v] of Object.entries(ports ?? {})) {
    const port = /^\d+$/.test(key) ? Number(key) : Number.NaN;
    if (!(port >= 1 && port <= 65535)) r.problem(['spec', 'portLevelMtls', key], `port "${key}" must be in range 1..65535`);
    else portLevel.push([port, readMode(v, ['spec', 'portLevelMtls', key], r)]);
  }
  portLevel.sort((a, b) => a[0] - b[0]);
  if (ports !== undefined && Object.keys(ports).length === 0) r.problem(['spec', 'portLevelMtls'], 'port level mTLS, if defined, must have at least one element');
  if ((selector === undefined || Object.keys(selector).length === 0) && portLevel.length > 0) {
    r.problem(['spec', 'portLevelMtls'], 'mesh/namespace peer authentication cannot have port level mTLS');
  }
  return { selector, mode, portLevel };
}

function readMode(value: unknown, path: readonly (string | number)[], r: FieldReader): MtlsMode {
  const mtls = r.object(value, path, ['mode']);
  const text = r.string(mtls?.['mode'], [...path, 'mode']) ?? 'UNSET';
  if ((MODES as readonly string[]).includes(text)) return text as MtlsMode;
  r.problem([...path, 'mode'], `"${text}" is not one of ${MODES.join(', ')}`);
  return 'UNSET';
}

type ClauseInit = MessageInitShape<typeof RulesSchema>;

function denyWithoutIdentity(): ClauseInit {
  return { matches: [{ notPrincipals: strings(['*']) }] };
}

/** The DENY istiod sends whenever any PeerAuthentication exists; workloads under effective STRICT list its key. */
export function staticStrictPolicy(rootNamespace: string): Authorization {
  return create(AuthorizationSchema, {
    name: STATIC_STRICT_POLICY_NAME, namespace: rootNamespace, scope: Scope.WORKLOAD_SELECTOR, action: Action.DENY,
    groups: [{ rules: [denyWithoutIdentity()] }],
  });
}

const strict = (p: PeerAuthenticationObject | undefined) => p?.spec.mode === 'STRICT';
const unset = (p: PeerAuthenticationObject | undefined) => p === undefined || p.spec.mode === 'UNSET';

/** A workload policy with port-level mTLS as a DENY, or undefined when the static STRICT policy covers it. */
export function convertPeerAuthentication(
  rootNamespace: string, pa: PeerAuthenticationObject, ns: PeerAuthenticationObject | undefined, root: PeerAuthenticationObject | undefined,
): Authorization | undefined {
  const { header, spec } = pa;
  if (header.namespace === rootNamespace || spec.selector === undefined || spec.portLevel.length === 0) return undefined;
  const clauses: ClauseInit[] = spec.mode === 'STRICT' ? [denyWithoutIdentity()] : [];
  const groups: { rules: ClauseInit[] }[] = [];
  let foundNonStrict = false;
  for (const [port, mode] of spec.portLevel) {
    if (mode === 'STRICT') {
      // istiod's grouping, kept as is: the root-namespace arm does not check this policy's own mode.
      const parentStrict = strict(pa) || (unset(pa) && strict(ns)) || (unset(ns) && strict(root));
      if (!parentStrict) groups.push({ rules: [{ matches: [{ notPrincipals: strings(['*']), destinationPorts: [port] }] }] });
    } else if (mode === 'PERMISSIVE' || mode === 'DISABLE') {
      if (spec.mode === 'PERMISSIVE' || spec.mode === 'DISABLE') continue;
      if (spec.mode === 'UNSET' && ((ns !== undefined && !strict(ns)) || (ns === undefined && root !== undefined && !strict(root)) || (ns === undefined && root === undefined))) continue;
      foundNonStrict = true;
      clauses.push(notPort(port));
    }
  }
  if (spec.mode === 'STRICT' && !foundNonStrict) return undefined;
  if (clauses.length === 0 && groups.length === 0) return undefined;
  const mergeStrict = (strict(root) && (ns === undefined || unset(ns) || strict(ns))) || strict(ns);
  if (mergeStrict && foundNonStrict) clauses.push(denyWithoutIdentity());
  if (clauses.length > 0) groups.push({ rules: clauses });
  return create(AuthorizationSchema, {
    name: CONVERTED_PEER_AUTHENTICATION_PREFIX + header.name, namespace: header.namespace,
    scope: Scope.WORKLOAD_SELECTOR, action: Action.DENY, groups,
  });
}

function notPort(port: number): ClauseInit {
  return { matches: [{ notDestinationPorts: [port] }] };
}

/** Go's zero time is older than any real one, so an object without creationTimestamp counts as oldest. */
function older(a: PeerAuthenticationObject, b: PeerAuthenticationObject | undefined): boolean {
  return b === undefined || (a.header.createdAt ?? -Infinity) < (b.header.createdAt ?? -Infinity);
}

/** The oldest namespace-wide (selector absent) PeerAuthentication of a namespace, as istiod's index picks it. */
export function namespacePolicy(all: readonly PeerAuthenticationObject[], namespace: string): PeerAuthenticationObject | undefined {
  let oldest: PeerAuthenticationObject | undefined;
  for (const p of all) if (p.header.namespace === namespace && p.spec.selector === undefined && older(p, oldest)) oldest = p;
  return oldest;
}

/** Keys of PeerAuthentication-derived policies a workload lists: the static STRICT one and/or its port-level one. */
export function peerAuthenticationKeys(
  rootNamespace: string, all: readonly PeerAuthenticationObject[], workload: { namespace: string; labels: Readonly<Record<string, string>> },
): string[] {
  let mesh: PeerAuthenticationObject | undefined;
  let namespace: PeerAuthenticationObject | undefined;
  let own: PeerAuthenticationObject | undefined;
  for (const p of all) {
    const { namespace: ns } = p.header;
    const sel = p.spec.selector;
    const applies = (ns === rootNamespace && sel === undefined) || (ns === workload.namespace && (sel === undefined || selects(sel, workload.labels)));
    if (!applies) continue;
    if (sel === undefined || Object.keys(sel).length === 0) {
      if (ns === rootNamespace) mesh = older(p, mesh) ? p : mesh;
      else namespace = older(p, namespace) ? p : namespace;
    } else if (ns !== rootNamespace && older(p, own)) own = p;
  }
  let effectiveStrict = strict(mesh);
  if (namespace !== undefined && !unset(namespace)) effectiveStrict = strict(namespace);
  let portKey = '';
  if (own !== undefined) {
    const key = `${own.header.namespace}/${CONVERTED_PEER_AUTHENTICATION_PREFIX}${own.header.name}`;
    const modes = own.spec.portLevel.map(([, m]) => m);
    if (own.spec.mode === 'STRICT') effectiveStrict = true;
    if (own.spec.mode === 'PERMISSIVE' || own.spec.mode === 'DISABLE') effectiveStrict = false;
    if (own.spec.portLevel.length > 0) {
      if (own.spec.mode === 'STRICT') {
        if (modes.some((m) => m === 'PERMISSIVE' || m === 'DISABLE')) [portKey, effectiveStrict] = [key, false];
      } else if (own.spec.mode === 'PERMISSIVE' || own.spec.mode === 'DISABLE') {
        if (modes.includes('STRICT')) portKey = key;
      } else if (effectiveStrict) {
        if (modes.includes('PERMISSIVE')) [portKey, effectiveStrict] = [key, false];
      } else if (modes.includes('STRICT')) {
        portKey = key;
      }
    }
  }
  const keys = new Set<string>();
  if (effectiveStrict) keys.add(`${rootNamespace}/${STATIC_STRICT_POLICY_NAME}`);
  if (portKey !== '') keys.add(portKey);
  return [...keys].sort();
}
