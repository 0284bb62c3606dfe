// Policies go through @ambient/l4-authz/yaml: the per-object composition must equal translating all files at once,
// and workloads list the keys istiod would give them, PeerAuthentication-derived ones included.
import { equals } from '@bufbuild/protobuf';
import { AuthorizationSchema } from '@ambient/api/security';
import { translatePolicyFiles } from '@ambient/l4-authz/yaml';
import { describe, expect, it } from 'vitest';
import { MeshConfig, MeshConfigError } from '../src/index.js';
import { quickstartFiles, withFile } from './fixtures.js';

const POLICIES = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: strict, namespace: default }
spec: { mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: { name: echo-metrics, namespace: default }
spec:
  selector: { matchLabels: { app: echo } }
  mtls: { mode: STRICT }
  portLevelMtls: { "9090": { mode: PERMISSIVE } }
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-untrusted, namespace: istio-system }
spec:
  action: DENY
  rules: [{ from: [{ source: { namespaces: [untrusted] } }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: all-echo-ports, namespace: default }
spec:
  selector: { matchLabels: { app: echo } }
  rules: [{ to: [{ operation: { ports: ["8080"] } }] }]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec: {}
`;

describe('policies', () => {
  const files = withFile(quickstartFiles(), 'quickstart/more-policies.yaml', POLICIES);
  const t = new MeshConfig().update(files);

  it('equal what translatePolicyFiles gives for all files at once', () => {
    expect(t.problems).toEqual([]);
    const whole = translatePolicyFiles(files.filter((f) => f.path.includes('polic')).map((f) => ({ file: f.path, text: f.text })), { rootNamespace: 'istio-system' });
    expect([...t.authorizations.keys()]).toEqual(whole.policies.map((p) => `${p.authorization.namespace}/${p.authorization.name}`));
    for (const p of whole.policies) {
      expect(equals(AuthorizationSchema, t.authorizations.get(`${p.authorization.namespace}/${p.authorization.name}`) ?? p.authorization, p.authorization)).toBe(true);
    }
    expect([...t.authorizations.keys()]).toEqual([
      'default/all-echo-ports', 'default/converted_peer_authentication_echo-metrics', 'default/echo-allow-sleep',
      'istio-system/deny-untrusted', 'istio-system/istio_converted_static_strict',
    ]);
  });

  it('workloads list their selector policies, then the PeerAuthentication keys', () => {
    const echo = t.addresses.get('Kubernetes/networking.istio.io/WorkloadEntry/default/echo');
    const sleep = t.addresses.get('Kubernetes/networking.istio.io/WorkloadEntry/default/sleep');
    expect(echo?.type.case === 'workload' && echo.type.value.authorizationPolicies).toEqual([
      'default/all-echo-ports', 'default/echo-allow-sleep', 'default/converted_peer_authentication_echo-metrics',
    ]);
    expect(sleep?.type.case === 'workload' && sleep.type.value.authorizationPolicies).toEqual(['istio-system/istio_converted_static_strict']);
  });

  it('use the configured root namespace', () => {
    const other = new MeshConfig({ rootNamespace: 'mesh-root' }).update(files);
    expect(other.authorizations.has('mesh-root/istio_converted_static_strict')).toBe(true);
    expect(other.authorizations.get('istio-system/deny-untrusted')?.scope).toBe(1); // NAMESPACE: istio-system is not the root here
  });
});

describe('options', () => {
  it.each([{ clusterId: '' }, { trustDomain: 'a/b' }, { rootNamespace: 'x y' }])('rejects %j', (bad) => {
    expect(() => new MeshConfig(bad)).toThrow(MeshConfigError);
    try {
      new MeshConfig(bad);
    } catch (e) {
      expect((e as MeshConfigError).code).toBe('MESH_CONFIG_ERR_OPTIONS');
      expect((e as Error).message).toMatch(new RegExp(`option ${Object.keys(bad)[0]} must be a non-empty string`));
    }
  });
});
