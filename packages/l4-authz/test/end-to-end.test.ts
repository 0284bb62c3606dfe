// From a user's YAML to a decision, across the wire: translate as istiod would, encode, check the bytes with protoc,
// decode as ztunnel would, store, look up for a workload, evaluate and explain.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { AuthorizationSchema } from '@ambient/api/security';
import { describe, expect, it } from 'vitest';
import { evaluate, explain, PolicyStore, type Connection } from '../src/index.js';
import { fromXdsAuthorizations } from '../src/xds/index.js';
import { translatePolicyYaml, workloadPolicyKeys } from '../src/yaml/index.js';
import { protocDecode } from './protoc.js';

const yaml = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: istio-system }
spec: { mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-legacy, namespace: istio-system }
spec:
  action: DENY
  rules: [{ from: [{ source: { namespaces: ["legacy"] } }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: echo-allow, namespace: default }
spec:
  selector: { matchLabels: { app: echo } }
  rules:
  - from: [{ source: { principals: ["cluster.local/ns/default/sa/sleep"] } }]
    to: [{ operation: { ports: ["8080"] } }]
  - to: [{ operation: { methods: ["GET"], paths: ["/healthz"] } }]
`;

describe('YAML → xDS bytes → ztunnel decision', () => {
  const translation = translatePolicyYaml(yaml, 'mesh.yaml');
  const wire = translation.policies.map((p) => toBinary(AuthorizationSchema, p.authorization));
  const { accepted, rejected } = fromXdsAuthorizations(wire.map((bytes) => fromBinary(AuthorizationSchema, bytes)));
  const store = new PolicyStore();
  store.replaceAll(accepted);
  const echo = { namespace: 'default', authorizationPolicies: workloadPolicyKeys(translation, { namespace: 'default', labels: { app: 'echo' } }) };
  const from = (namespace: string, serviceAccount: string, dstPort = 8080): Connection => ({
    srcIp: '127.0.1.2', srcIdentity: { trustDomain: 'cluster.local', namespace, serviceAccount }, dstIp: '127.0.1.3', dstPort,
  });

  it('produces bytes protoc reads, and ztunnel accepts every resource', () => {
    expect(translation.errors).toEqual([]);
    expect(rejected).toEqual([]);
    expect(protocDecode(wire[0] ?? new Uint8Array())).toContain('name: "echo-allow"');
    expect(echo.authorizationPolicies).toEqual(['default/echo-allow', 'istio-system/istio_converted_static_strict']);
  });

  it.each<[string, Connection, boolean, string]>([
    ['sleep on 8080', from('default', 'sleep'), true, 'allowed by: default/echo-allow'],
    ['sleep on another port', from('default', 'sleep', 9090), false, 'allow policies exist, but none allowed'],
    ['another caller', from('default', 'curl'), false, 'allow policies exist, but none allowed'],
    ['a caller from the legacy namespace', from('legacy', 'sleep'), false, 'explicitly denied by: istio-system/deny-legacy'],
    ['plaintext (STRICT)', { srcIp: '127.0.1.2', dstIp: '127.0.1.3', dstPort: 8080 }, false, 'explicitly denied by: istio-system/istio_converted_static_strict'],
  ])('%s', (_title, conn, allowed, reason) => {
    const decision = evaluate(conn, store.findApplicable(echo));
    expect(decision).toMatchObject({ allowed, reason });
  });

  it('explains a denial policy by policy', () => {
    const { policies } = explain(from('default', 'curl'), store.findApplicable(echo));
    expect(policies.map((p) => `${p.policy}: ${p.matched ? 'matched' : 'no match'} — ${p.detail}`)).toEqual([
      'default/echo-allow: no match — rule 0 clause 1: source principal "cluster.local/ns/default/sa/curl" not in ["cluster.local/ns/default/sa/sleep"]',
      'istio-system/deny-legacy: no match — rule 0 clause 0: source namespace "default" not in ["legacy"]',
      'istio-system/istio_converted_static_strict: no match — rule 0 clause 0: source principal "cluster.local/ns/default/sa/curl" matches a not-value ["*"]',
    ]);
  });

  it('a workload without the label only gets the global and STRICT policies', () => {
    const other = { namespace: 'default', authorizationPolicies: workloadPolicyKeys(translation, { namespace: 'default', labels: { app: 'web' } }) };
    expect(store.findApplicable(other).map((p) => p.key).sort()).toEqual(['istio-system/deny-legacy', 'istio-system/istio_converted_static_strict']);
    expect(evaluate(from('default', 'curl'), store.findApplicable(other)).allowed).toBe(true);
  });
});
