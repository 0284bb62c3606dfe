// The Kubernetes envelope of a policy object (apiVersion, kind, metadata): which documents are ours, and their
// names, namespaces and annotations, checked as the API server would.
import type { YamlDocument } from './documents.js';
import type { FieldReader } from './fields.js';

export type PolicyKind = 'AuthorizationPolicy' | 'PeerAuthentication';

export const SUPPORTED_API_VERSIONS = ['security.istio.io/v1', 'security.istio.io/v1beta1'] as const;

export interface ObjectHeader {
  readonly kind: PolicyKind;
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** metadata.creationTimestamp in ms since the epoch; absent means "as old as possible" is unknown, file order decides. */
  readonly createdAt: number | undefined;
  readonly file: string;
  readonly line: number;
  /** 'AuthorizationPolicy default/deny-all', used in every message about the object. */
  readonly label: string;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KINDS: readonly string[] = ['AuthorizationPolicy', 'PeerAuthentication'];

/** The namespace kubectl would use for an object without one, with no context configured. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * Reads the envelope. Returns 'other' for documents of other kinds (a config directory holds many kinds), undefined
 * when the envelope itself is invalid (problems recorded in `reader`).
 */
export function readHeader(doc: YamlDocument, reader: FieldReader): ObjectHeader | 'other' | undefined {
  if (doc.value === null || doc.value === undefined) return 'other';
  const root = reader.object(doc.value, []);
  if (root === undefined) return undefined;
  const apiVersion = reader.string(root['apiVersion'], ['apiVersion']);
  const kind = reader.string(root['kind'], ['kind']);
  if (apiVersion === undefined || kind === undefined) {
    if (reader.problems.length === 0) reader.problem([], 'not a Kubernetes object: apiVersion and kind are required');
    return undefined;
  }
  // Other groups are other tools' business; inside Istio's security group a misspelt kind must not vanish silently.
  if (apiVersion !== 'security.istio.io' && !apiVersion.startsWith('security.istio.io/')) return 'other';
  if (kind === 'RequestAuthentication') return 'other'; // JWT rules: a waypoint's concern, nothing for ztunnel
  if (!KINDS.includes(kind)) {
    reader.problem(['kind'], `"${kind}" is not a security.istio.io kind; expected AuthorizationPolicy, PeerAuthentication or RequestAuthentication`);
    return undefined;
  }
  if (!(SUPPORTED_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    reader.problem(['apiVersion'], `"${apiVersion}" is not supported; use ${SUPPORTED_API_VERSIONS.join(' or ')}`);
  }
  reader.object(root, [], ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const meta = reader.object(root['metadata'], ['metadata']) ?? {};
  const name = reader.string(meta['name'], ['metadata', 'name']) ?? '';
  if (name === '') reader.problem(['metadata', 'name'], 'is required');
  else if (name.length > 253 || !SUBDOMAIN.test(name)) reader.problem(['metadata', 'name'], `"${name}" is not a valid name (lower-case letters, digits, '-' and '.')`);
  const namespace = reader.string(meta['namespace'], ['metadata', 'namespace']) ?? DEFAULT_NAMESPACE;
  if (namespace.length > 63 || !LABEL.test(namespace)) reader.problem(['metadata', 'namespace'], `"${namespace}" is not a valid namespace name`);
  const annotations = reader.stringMap(meta['annotations'], ['metadata', 'annotations']) ?? {};
  const created = meta['creationTimestamp'];
  let createdAt: number | undefined;
  if (created !== undefined && created !== null) {
    createdAt = created instanceof Date ? created.getTime() : typeof created === 'string' ? Date.parse(created) : Number.NaN;
    if (Number.isNaN(createdAt)) reader.problem(['metadata', 'creationTimestamp'], 'must be an RFC 3339 time such as 2024-01-02T03:04:05Z');
  }
  return { kind: kind as PolicyKind, apiVersion, name, namespace, annotations, createdAt, file: doc.file, line: doc.line, label: `${kind} ${namespace}/${name}` };
}

/** Checks a selector's matchLabels as Istio's validation does; returns the labels (undefined when absent). */
export function readSelector(value: unknown, path: readonly (string | number)[], reader: FieldReader): Record<string, string> | undefined {
  const selector = reader.object(value, path, ['matchLabels']);
  if (selector === undefined) return undefined;
  const labels = reader.stringMap(selector['matchLabels'], [...path, 'matchLabels']) ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (k === '') reader.problem([...path, 'matchLabels'], `empty key is not supported in selector: "=${v}"`);
    if (k.includes('*') || v.includes('*')) reader.problem([...path, 'matchLabels', k], `wildcard is not supported in selector: "${k}=${v}"`);
  }
  return labels;
}

/** Whether a selector's labels are a subset of a workload's labels (an empty selector selects everything). */
export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
