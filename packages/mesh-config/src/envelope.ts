// The Kubernetes envelope of every object (apiVersion, kind, metadata): which kinds ambientd reads at which
// versions, and each object's identity, checked as the API server would.
import type { SourceDocument } from './documents.js';
import { Fields } from './fields.js';

export type Kind = 'Namespace' | 'WorkloadEntry' | 'ServiceEntry' | 'Gateway' | 'AuthorizationPolicy' | 'PeerAuthentication';

/** Group → versions served and kinds read. RequestAuthentication is known and skipped: JWTs are a waypoint's concern. */
const GROUPS: Readonly<Record<string, { versions: readonly string[]; kinds: readonly string[] }>> = {
  '': { versions: ['v1'], kinds: ['Namespace'] },
  'networking.istio.io': { versions: ['v1', 'v1beta1', 'v1alpha3'], kinds: ['WorkloadEntry', 'ServiceEntry'] },
  'security.istio.io': { versions: ['v1', 'v1beta1'], kinds: ['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication'] },
  'gateway.networking.k8s.io': { versions: ['v1', 'v1beta1'], kinds: ['Gateway'] },
};
const SKIPPED_KINDS = new Set(['RequestAuthentication']);

const META_FIELDS = [
  'name', 'generateName', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'finalizers', 'ownerReferences', 'managedFields', 'selfLink',
];
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const DEFAULT_NAMESPACE = 'default';

export interface Envelope {
  readonly kind: Kind;
  readonly apiVersion: string;
  /** Empty for the cluster-scoped Namespace. */
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** 'WorkloadEntry default/echo', 'Namespace default': the object's identity across files and updates. */
  readonly key: string;
}

/** 'skip' for empty documents and kinds known to need nothing from ambientd. */
export function readEnvelope(doc: SourceDocument, f: Fields): Envelope | 'skip' | undefined {
  if (doc.value === null || doc.value === undefined) return 'skip';
  const root = f.mapping(doc.value, []);
  if (root === undefined) return undefined;
  const apiVersion = f.required(root['apiVersion'], ['apiVersion']);
  const kind = f.required(root['kind'], ['kind']);
  if (apiVersion === undefined || kind === undefined) return undefined;
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const known = GROUPS[group];
  if (known === undefined || !known.kinds.includes(kind)) {
    f.add('CONFIG_ERR_UNKNOWN_KIND', ['kind'], `${apiVersion} ${kind} is not a kind ambientd reads; expected ${supportedKinds()}`);
    return undefined;
  }
  if (!known.versions.includes(apiVersion.slice(slash + 1))) {
    const versions = known.versions.map((v) => (group === '' ? v : `${group}/${v}`)).join(', ');
    f.add('CONFIG_ERR_UNKNOWN_API_VERSION', ['apiVersion'], `${kind} is not served at "${apiVersion}"; use ${versions}`);
    return undefined;
  }
  if (SKIPPED_KINDS.has(kind)) return 'skip';
  f.mapping(root, [], ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  return readMetadata(root['metadata'], kind as Kind, apiVersion, f);
}

function readMetadata(value: unknown, kind: Kind, apiVersion: string, f: Fields): Envelope | undefined {
  const meta = f.mapping(value, ['metadata'], META_FIELDS);
  if (meta === undefined && (value === undefined || value === null)) f.add('CONFIG_ERR_MISSING_FIELD', ['metadata'], 'is required');
  const name = f.required(meta?.['name'], ['metadata', 'name']);
  const clusterScoped = kind === 'Namespace';
  if (name !== undefined && !(clusterScoped ? name.length <= 63 && LABEL.test(name) : name.length <= 253 && SUBDOMAIN.test(name))) {
    f.add('CONFIG_ERR_INVALID_FIELD', ['metadata', 'name'], `"${name}" is not a valid ${clusterScoped ? 'namespace ' : ''}name (lower-case letters, digits, '-'${clusterScoped ? '' : " and '.'"})`);
  }
  let namespace = '';
  if (clusterScoped) {
    if (meta?.['namespace'] !== undefined) f.add('CONFIG_ERR_INVALID_FIELD', ['metadata', 'namespace'], 'must not be set: Namespace is cluster-scoped');
  } else {
    namespace = f.string(meta?.['namespace'], ['metadata', 'namespace']) ?? DEFAULT_NAMESPACE;
    if (namespace.length > 63 || !LABEL.test(namespace)) f.add('CONFIG_ERR_INVALID_FIELD', ['metadata', 'namespace'], `"${namespace}" is not a valid namespace name`);
  }
  const labels = f.labels(meta?.['labels'], ['metadata', 'labels']);
  const annotations = f.labels(meta?.['annotations'], ['metadata', 'annotations']);
  if (name === undefined) return undefined;
  const key = clusterScoped ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
  return { kind, apiVersion, namespace, name, labels, annotations, key };
}

function supportedKinds(): string {
  return Object.entries(GROUPS)
    .flatMap(([group, g]) => g.kinds.filter((k) => !SKIPPED_KINDS.has(k)).map((k) => `${group === '' ? 'v1' : `${group}/${g.versions[0]}`} ${k}`))
    .join(', ');
}

/** A label for an object whose envelope is broken, from whatever is readable, so the problem still names it. */
export function guessKey(doc: SourceDocument): string | undefined {
  const v = doc.value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const meta = (typeof v['metadata'] === 'object' && v['metadata'] !== null ? v['metadata'] : {}) as Record<string, unknown>;
  const kind = typeof v['kind'] === 'string' ? v['kind'] : 'object';
  const name = typeof meta['name'] === 'string' && meta['name'] !== '' ? meta['name'] : undefined;
  if (name === undefined) return `${kind} (unnamed, document ${doc.index + 1})`;
  if (kind === 'Namespace') return `Namespace ${name}`;
  return `${kind} ${typeof meta['namespace'] === 'string' ? meta['namespace'] : DEFAULT_NAMESPACE}/${name}`;
}
