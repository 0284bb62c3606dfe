// Builders for YAML tests: one policy document from a spec, and its translation as JSON and as domain policies.
import { toJson } from '@bufbuild/protobuf';
import { AuthorizationSchema } from '@ambient/api/security';
import { stringify } from 'yaml';
import { fromXdsAuthorization } from '../src/xds/index.js';
import { translatePolicyYaml, type TranslateOptions, type Translation } from '../src/yaml/index.js';

export function doc(kind: string, name: string, namespace: string, spec: unknown, metadata: Record<string, unknown> = {}): string {
  return stringify({ apiVersion: 'security.istio.io/v1', kind, metadata: { name, namespace, ...metadata }, spec });
}

export const ap = (spec: unknown, name = 'p', namespace = 'backend', metadata?: Record<string, unknown>) =>
  doc('AuthorizationPolicy', name, namespace, spec, metadata);
export const pa = (spec: unknown, name = 'default', namespace = 'backend', metadata?: Record<string, unknown>) =>
  doc('PeerAuthentication', name, namespace, spec, metadata);

export function translate(text: string, options?: TranslateOptions): Translation {
  return translatePolicyYaml(text, 'policies.yaml', options);
}

/** The translated resources as protobuf JSON, keyed by 'namespace/name'. */
export function wire(t: Translation): Record<string, unknown> {
  return Object.fromEntries(t.policies.map((p) => [`${p.authorization.namespace}/${p.authorization.name}`, toJson(AuthorizationSchema, p.authorization)]));
}

/** The translated resources as ztunnel would hold them after receiving them. */
export function domain(t: Translation) {
  return t.policies.map((p) => fromXdsAuthorization(p.authorization));
}

export function errorMessages(t: Translation): string[] {
  return t.errors.map((e) => e.message);
}
