// PeerAuthentication in ambient mode (reference §5.5): the static STRICT DENY, per-workload keys from the effective
// mode, and port-level policies in the shapes of istiod's own golden files.
import { describe, expect, it } from 'vitest';
import { evaluate, PolicyStore } from '../src/index.js';
import { workloadPolicyKeys } from '../src/yaml/index.js';
import { plaintext, tls } from './helpers.js';
import { domain, pa, translate, wire } from './yaml-helpers.js';

const STATIC = 'istio-system/istio_converted_static_strict';
const web = { namespace: 'backend', labels: { app: 'a' } };

describe('PeerAuthentication', () => {
  it('sends the static STRICT policy whenever a PeerAuthentication exists', () => {
    const t = translate(pa({ mtls: { mode: 'PERMISSIVE' } }, 'default', 'istio-system'));
    expect(wire(t)).toEqual({
      [STATIC]: {
        name: 'istio_converted_static_strict', namespace: 'istio-system', scope: 'WORKLOAD_SELECTOR', action: 'DENY',
        groups: [{ rules: [{ matches: [{ notPrincipals: [{ presence: {} }] }] }] }],
      },
    });
    expect(workloadPolicyKeys(t, web)).toEqual([]);
    expect(translate('').policies).toEqual([]);
  });

  it('mesh-wide STRICT puts every workload under the static policy, which denies plaintext only', () => {
    const t = translate(pa({ mtls: { mode: 'STRICT' } }, 'default', 'istio-system'));
    const keys = workloadPolicyKeys(t, { namespace: 'anything', labels: {} });
    expect(keys).toEqual([STATIC]);
    const store = new PolicyStore();
    store.replaceAll(domain(t));
    const applicable = store.findApplicable({ namespace: 'anything', authorizationPolicies: keys });
    expect(evaluate(plaintext, applicable)).toMatchObject({ allowed: false, reason: `explicitly denied by: ${STATIC}` });
    expect(evaluate(tls, applicable).allowed).toBe(true);
  });

  it.each([
    ['namespace PERMISSIVE overrides mesh STRICT', [pa({ mtls: { mode: 'STRICT' } }, 'm', 'istio-system'), pa({ mtls: { mode: 'PERMISSIVE' } })], []],
    ['namespace UNSET inherits mesh STRICT', [pa({ mtls: { mode: 'STRICT' } }, 'm', 'istio-system'), pa({})], [STATIC]],
    ['namespace STRICT in another namespace does not apply', [pa({ mtls: { mode: 'STRICT' } }, 'n', 'other')], []],
    ['workload STRICT selects by labels', [pa({ selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'STRICT' } }, 'w')], [STATIC]],
    ['workload selector that does not match', [pa({ selector: { matchLabels: { app: 'b' } }, mtls: { mode: 'STRICT' } }, 'w')], []],
    ['workload PERMISSIVE overrides namespace STRICT', [pa({ mtls: { mode: 'STRICT' } }), pa({ selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'PERMISSIVE' } }, 'w')], []],
    ['root-namespace selector policies are ignored', [pa({ selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'STRICT' } }, 'w', 'istio-system')], []],
    ['the oldest namespace policy wins', [
      pa({ mtls: { mode: 'PERMISSIVE' } }, 'newer', 'backend', { creationTimestamp: '2024-05-01T00:00:00Z' }),
      pa({ mtls: { mode: 'STRICT' } }, 'older', 'backend', { creationTimestamp: '2024-01-01T00:00:00Z' }),
    ], [STATIC]],
  ])('%s', (_title, docs, keys) => {
    const t = translate(docs.join('---\n'));
    expect(t.errors).toEqual([]);
    expect(workloadPolicyKeys(t, web)).toEqual(keys);
  });

  it('STRICT with a PERMISSIVE port: one converted DENY that exempts the port (istiod golden file)', () => {
    const t = translate(pa({ selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9090: { mode: 'STRICT' }, 8080: { mode: 'PERMISSIVE' } } }, 'permissive-strict-mtls'));
    expect(wire(t)['backend/converted_peer_authentication_permissive-strict-mtls']).toEqual({
      name: 'converted_peer_authentication_permissive-strict-mtls', namespace: 'backend', scope: 'WORKLOAD_SELECTOR', action: 'DENY',
      groups: [{ rules: [{ matches: [{ notPrincipals: [{ presence: {} }] }] }, { matches: [{ notDestinationPorts: [8080] }] }] }],
    });
    const keys = workloadPolicyKeys(t, web);
    expect(keys).toEqual(['backend/converted_peer_authentication_permissive-strict-mtls']);
    const store = new PolicyStore();
    store.replaceAll(domain(t));
    const applicable = store.findApplicable({ namespace: 'backend', authorizationPolicies: keys });
    expect(evaluate({ ...plaintext, dstPort: 8080 }, applicable).allowed).toBe(true);
    expect(evaluate({ ...plaintext, dstPort: 9090 }, applicable).allowed).toBe(false);
    expect(evaluate({ ...tls, dstPort: 9090 }, applicable).allowed).toBe(true);
  });

  it('PERMISSIVE with a STRICT port: a DENY of plaintext on that port only', () => {
    const t = translate(pa({ selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { 9090: { mode: 'STRICT' }, 8080: { mode: 'PERMISSIVE' } } }, 'permissive-strict-mtls'));
    expect(wire(t)['backend/converted_peer_authentication_permissive-strict-mtls']).toMatchObject({
      groups: [{ rules: [{ matches: [{ notPrincipals: [{ presence: {} }], destinationPorts: [9090] }] }] }],
    });
    expect(workloadPolicyKeys(t, web)).toEqual(['backend/converted_peer_authentication_permissive-strict-mtls']);
  });

  it('UNSET under a STRICT namespace with a PERMISSIVE port merges the strictness into the converted policy', () => {
    const t = translate([pa({ mtls: { mode: 'STRICT' } }, 'ns'), pa({ selector: { matchLabels: { app: 'a' } }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } }, 'w')].join('---\n'));
    expect(wire(t)['backend/converted_peer_authentication_w']).toMatchObject({
      groups: [{ rules: [{ matches: [{ notDestinationPorts: [8080] }] }, { matches: [{ notPrincipals: [{ presence: {} }] }] }] }],
    });
    expect(workloadPolicyKeys(t, web)).toEqual(['backend/converted_peer_authentication_w']);
  });

  it('STRICT whose ports are all STRICT needs no converted policy', () => {
    const t = translate(pa({ selector: { matchLabels: { app: 'a' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'STRICT' } } }, 'w'));
    expect(Object.keys(wire(t))).toEqual([STATIC]);
    expect(workloadPolicyKeys(t, web)).toEqual([STATIC]);
  });
});
