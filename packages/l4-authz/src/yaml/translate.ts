// YAML files to the Authorization resources istiod would send ztunnel, with every invalid object reported by file,
// line, object and field path, and istiod's notices for what ztunnel cannot enforce.
import type { Authorization } from '@ambient/api/security';
import { AuthzError, formatLocated, type ErrorLocation } from '../errors.js';
import { convertAuthorizationPolicy } from './authorization-policy.js';
import { readAuthorizationPolicySpec } from './authorization-policy-spec.js';
import { parseYamlDocuments, type YamlDocument } from './documents.js';
import { FieldReader, formatPath } from './fields.js';
import { readHeader, selects, type ObjectHeader, type PolicyKind } from './objects.js';
import {
  convertPeerAuthentication, namespacePolicy, peerAuthenticationKeys, readPeerAuthenticationSpec, staticStrictPolicy,
  type PeerAuthenticationObject,
} from './peer-authentication.js';

export interface PolicyFile {
  /** Name used in messages, e.g. 'config/policies.yaml'. */
  readonly file: string;
  readonly text: string;
}

export interface TranslateOptions {
  /** Policies here without a selector are GLOBAL; istiod's default is 'istio-system'. */
  readonly rootNamespace?: string;
  /** Send policies annotated istio.io/dry-run (istiod: ENABLE_WDS_DRY_RUN_AUTHZ_POL); default true. */
  readonly dryRunSupported?: boolean;
}

export interface SourceRef {
  readonly file: string;
  readonly line: number;
  readonly kind: PolicyKind;
  readonly namespace: string;
  readonly name: string;
}

export interface TranslatedPolicy {
  /** The resource as istiod sends it; its xDS name is `${namespace}/${name}`. */
  readonly authorization: Authorization;
  /** For WORKLOAD_SELECTOR policies: the labels a workload must carry (empty selects all). */
  readonly selector?: Readonly<Record<string, string>>;
  /** The object it came from; absent for the static STRICT policy, which no single object defines. */
  readonly source?: SourceRef;
}

export interface PolicyNotice {
  readonly location: ErrorLocation;
  readonly message: string;
}

export interface Translation {
  readonly rootNamespace: string;
  /** Sorted by resource name. */
  readonly policies: readonly TranslatedPolicy[];
  /** AUTHZ_ERR_YAML_SYNTAX or AUTHZ_ERR_YAML_INVALID; an invalid object is left out entirely. */
  readonly errors: readonly AuthzError[];
  /** Accepted objects that ztunnel enforces differently or not at all (HTTP attributes, AUDIT, targetRefs…). */
  readonly notices: readonly PolicyNotice[];
  /** Valid PeerAuthentications, needed to compute each workload's keys. */
  readonly peerAuthentications: readonly PeerAuthenticationObject[];
}

export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

export function translatePolicyYaml(text: string, file: string, options: TranslateOptions = {}): Translation {
  return translatePolicyFiles([{ file, text }], options);
}

export function translatePolicyFiles(files: readonly PolicyFile[], options: TranslateOptions = {}): Translation {
  const rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const errors: AuthzError[] = [];
  const notices: PolicyNotice[] = [];
  const policies: TranslatedPolicy[] = [];
  const peerAuthentications: PeerAuthenticationObject[] = [];
  const seen = new Map<string, ObjectHeader>();
  for (const { file, text } of files) {
    const parsed = parseYamlDocuments(text, file);
    errors.push(...parsed.errors);
    for (const doc of parsed.documents) {
      const r = new FieldReader();
      const header = readHeader(doc, r);
      if (header === 'other') continue;
      const spec = header?.kind === 'PeerAuthentication' ? readPeerAuthenticationSpec(docSpec(doc), r) : readAuthorizationPolicySpec(docSpec(doc), r);
      const duplicate = header === undefined ? undefined : seen.get(header.label);
      if (header !== undefined && duplicate !== undefined) r.problem(['metadata', 'name'], `duplicate of the object at ${duplicate.file}:${duplicate.line}`);
      if (r.problems.length > 0 || header === undefined) {
        for (const p of r.problems) errors.push(invalid(doc, header, p.path, p.message));
        continue;
      }
      seen.set(header.label, header);
      const source: SourceRef = { file, line: header.line, kind: header.kind, namespace: header.namespace, name: header.name };
      if ('mode' in spec) {
        peerAuthentications.push({ header, spec });
        continue;
      }
      const converted = convertAuthorizationPolicy(header, spec, rootNamespace, options.dryRunSupported ?? true);
      for (const message of converted.notices) notices.push({ location: { file, line: header.line, object: header.label }, message });
      if (converted.authorization !== undefined) {
        policies.push({ authorization: converted.authorization, ...(spec.selector === undefined ? {} : { selector: spec.selector }), source });
      }
    }
  }
  policies.push(...peerAuthenticationPolicies(rootNamespace, peerAuthentications));
  policies.sort((a, b) => compare(keyOf(a.authorization), keyOf(b.authorization)));
  return { rootNamespace, policies, errors, notices, peerAuthentications };
}

function peerAuthenticationPolicies(rootNamespace: string, all: readonly PeerAuthenticationObject[]): TranslatedPolicy[] {
  if (all.length === 0) return [];
  const root = namespacePolicy(all, rootNamespace);
  const out: TranslatedPolicy[] = [{ authorization: staticStrictPolicy(rootNamespace) }];
  for (const pa of all) {
    const authorization = convertPeerAuthentication(rootNamespace, pa, namespacePolicy(all, pa.header.namespace), root);
    if (authorization === undefined) continue;
    const { file, line, kind, namespace, name } = pa.header;
    out.push({ authorization, ...(pa.spec.selector === undefined ? {} : { selector: pa.spec.selector }), source: { file, line, kind, namespace, name } });
  }
  return out;
}

/**
 * The keys a workload lists in Workload.authorization_policies: selector AuthorizationPolicies of its namespace or
 * the root namespace whose selector it matches, then the PeerAuthentication-derived keys — istiod's order.
 */
export function workloadPolicyKeys(t: Translation, workload: { namespace: string; labels: Readonly<Record<string, string>> }): string[] {
  const selected = t.policies
    .filter((p) => p.source?.kind === 'AuthorizationPolicy' && p.selector !== undefined && selects(p.selector, workload.labels))
    .filter((p) => p.authorization.namespace === workload.namespace || p.authorization.namespace === t.rootNamespace)
    .map((p) => keyOf(p.authorization))
    .sort(compare);
  return [...selected, ...peerAuthenticationKeys(t.rootNamespace, t.peerAuthentications, workload)];
}

/** One line per notice: 'file:line: AuthorizationPolicy ns/name: message'. */
export function formatNotice(n: PolicyNotice): string {
  return formatLocated(n.location, n.message);
}

function keyOf(a: Authorization): string {
  return `${a.namespace}/${a.name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function docSpec(doc: YamlDocument): unknown {
  const v = doc.value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v['spec'] : undefined;
}

function invalid(doc: YamlDocument, header: ObjectHeader | undefined, path: readonly (string | number)[], message: string): AuthzError {
  const location: ErrorLocation = { file: doc.file, line: doc.lineOf(path), object: header?.label ?? guessLabel(doc), path: formatPath(path) };
  return new AuthzError('AUTHZ_ERR_YAML_INVALID', formatLocated(location, message), location);
}

/** A label for an object whose envelope is itself broken, from whatever fields are readable. */
function guessLabel(doc: YamlDocument): string {
  const v = (typeof doc.value === 'object' && doc.value !== null ? doc.value : {}) as Record<string, unknown>;
  const meta = (typeof v['metadata'] === 'object' && v['metadata'] !== null ? v['metadata'] : {}) as Record<string, unknown>;
  const text = (x: unknown, fallback: string) => (typeof x === 'string' && x !== '' ? x : fallback);
  return `${text(v['kind'], 'object')} ${text(meta['namespace'], 'default')}/${text(meta['name'], '(unnamed)')}`;
}
