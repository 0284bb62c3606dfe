// AuthorizationPolicy YAML → Authorization exactly as istiod sends it to ztunnel (reference §5.1, §5.4), with
// istiod's status messages as notices, checked end to end by evaluating the result.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/index.js';
import { formatNotice } from '../src/yaml/index.js';
import { plaintext, tls } from './helpers.js';
import { ap, domain, translate, wire } from './yaml-helpers.js';

const notices = (text: string) => translate(text).notices.map((n) => n.message);
const HTTP = 'In ambient mode you must use a waypoint proxy to enforce HTTP rules.';

describe('scope and attachment (§5.1)', () => {
  it.each([
    ['selector → WORKLOAD_SELECTOR', ap({ selector: { matchLabels: { app: 'api' } } }), 'WORKLOAD_SELECTOR'],
    ['empty selector → WORKLOAD_SELECTOR', ap({ selector: {} }), 'WORKLOAD_SELECTOR'],
    ['no selector → NAMESPACE', ap({}), 'NAMESPACE'],
    ['no selector in the root namespace → GLOBAL', ap({}, 'p', 'istio-system'), 'GLOBAL'],
  ])('%s', (_title, text, scope) => {
    const [policy] = domain(translate(text));
    expect(policy?.scope).toBe(scope);
  });

  it('warns about a selector without labels, as Istio\'s validation does', () => {
    expect(notices(ap({ selector: {}, rules: [{}] }))).toEqual(['workload selector specified without labels: it selects every workload in its namespace']);
  });

  it('uses the configured root namespace', () => {
    const t = translate(ap({}, 'p', 'mesh-root'), { rootNamespace: 'mesh-root' });
    expect(domain(t)[0]?.scope).toBe('GLOBAL');
  });

  it('does not send targetRefs policies, AUDIT or CUSTOM ones', () => {
    const text = [
      ap({ targetRefs: [{ kind: 'Service', group: '', name: 'echo' }], rules: [{}] }, 'waypoint-only'),
      ap({ action: 'AUDIT', rules: [{}] }, 'audit'),
      ap({ action: 'CUSTOM', provider: { name: 'ext' }, rules: [{}] }, 'custom'),
    ].join('---\n');
    const t = translate(text);
    expect(t.policies).toEqual([]);
    expect(t.errors).toEqual([]);
    expect(t.notices.map(formatNotice)).toEqual([
      'policies.yaml:1: AuthorizationPolicy backend/waypoint-only: has targetRefs: a waypoint enforces it, ztunnel does not receive it',
      'policies.yaml:14: AuthorizationPolicy backend/audit: ztunnel does not support the AUDIT action',
      'policies.yaml:24: AuthorizationPolicy backend/custom: ztunnel does not support the CUSTOM action',
    ]);
  });

  it('marks dry-run policies from the istio.io/dry-run annotation, or leaves them out when not supported', () => {
    const text = ap({ rules: [{}] }, 'p', 'backend', { annotations: { 'istio.io/dry-run': 'true' } });
    expect(domain(translate(text))[0]?.dryRun).toBe(true);
    expect(translate(text, { dryRunSupported: false }).policies).toEqual([]);
    const bad = ap({ rules: [{}] }, 'p', 'backend', { annotations: { 'istio.io/dry-run': 'yes' } });
    expect(domain(translate(bad))[0]?.dryRun).toBe(false);
    expect(notices(bad)).toEqual(['annotation istio.io/dry-run: "yes" is not a boolean; the policy is enforced (not dry-run)']);
  });
});

describe('conversion of L4 fields', () => {
  it('maps from/to/when to clauses: to first, then from, then one clause per when', () => {
    const text = ap({
      action: 'DENY',
      rules: [{
        from: [{ source: { principals: ['cluster.local/ns/a/sa/b', 'spiffe*'], notPrincipals: ['*'], namespaces: ['*-prod'], ipBlocks: ['10.0.0.0/8', '2001:db8::1'], notIpBlocks: ['10.1.2.3'] } }, { source: { serviceAccounts: ['web', 'other/api'] } }],
        to: [{ operation: { ports: ['8080'], notPorts: ['9090'] } }],
        when: [{ key: 'destination.port', values: ['80'], notValues: ['81'] }, { key: 'source.ip', notValues: ['192.168.0.0/16'] }],
      }],
    });
    expect(wire(translate(text))).toEqual({
      'backend/p': {
        name: 'p', namespace: 'backend', scope: 'NAMESPACE', action: 'DENY',
        groups: [{ rules: [
          { matches: [{ destinationPorts: [8080], notDestinationPorts: [9090] }] },
          { matches: [
            {
              namespaces: [{ suffix: '-prod' }],
              principals: [{ exact: 'cluster.local/ns/a/sa/b' }, { prefix: 'spiffe' }],
              notPrincipals: [{ presence: {} }],
              sourceIps: [{ address: 'CgAAAA==', length: 8 }, { address: 'IAENuAAAAAAAAAAAAAAAAQ==', length: 128 }],
              notSourceIps: [{ address: 'CgECAw==', length: 32 }],
            },
            { serviceAccounts: [{ namespace: 'backend', serviceAccount: 'web' }, { namespace: 'other', serviceAccount: 'api' }] },
          ] },
          { matches: [{ destinationPorts: [80], notDestinationPorts: [81] }] },
          { matches: [{ notSourceIps: [{ address: 'wKgAAA==', length: 16 }] }] },
        ] }],
      },
    });
  });

  it('an ALLOW without rules denies everything; rules: [{}] allows everything', () => {
    const none = domain(translate(ap({})));
    expect(evaluate(tls, none).allowed).toBe(false);
    expect(evaluate(tls, domain(translate(ap({ rules: [{}] })))).allowed).toBe(true);
  });

  it('when source.namespace and source.principal become namespace and principal matches', () => {
    const text = ap({ rules: [{ when: [{ key: 'source.namespace', values: ['frontend'] }, { key: 'source.principal', notValues: ['*/sa/admin'] }] }] });
    const policies = domain(translate(text));
    expect(evaluate(tls, policies).allowed).toBe(true);
    expect(evaluate({ ...tls, srcIdentity: { trustDomain: 'td', namespace: 'frontend', serviceAccount: 'admin' } }, policies).allowed).toBe(false);
  });
});

describe('HTTP-only attributes (§5.4)', () => {
  it('drops an ALLOW rule with any HTTP field, keeping the others, with istiod\'s notice', () => {
    const text = ap({ rules: [
      { from: [{ source: { requestPrincipals: ['example.com/sub-1'] } }], to: [{ operation: { methods: ['GET'] } }], when: [{ key: 'request.auth.presenter', values: ['p.example.com'] }] },
      { to: [{ operation: { ports: ['8080'] } }] },
    ] });
    const t = translate(text);
    expect(domain(t)[0]?.rules).toHaveLength(1);
    expect(t.notices.map((n) => n.message)).toEqual([
      `ztunnel does not support HTTP attributes (found: methods, request.auth.presenter, requestPrincipals). ${HTTP} Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.`,
    ]);
  });

  it('an all-HTTP ALLOW policy denies all traffic at ztunnel', () => {
    const policies = domain(translate(ap({ rules: [{ to: [{ operation: { paths: ['/health'] } }] }] })));
    expect(policies[0]?.rules).toEqual([]);
    expect(evaluate(tls, policies)).toMatchObject({ allowed: false, reason: 'allow policies exist, but none allowed' });
  });

  it('trustDomains count as HTTP (a Match cannot express them without widening)', () => {
    const text = ap({ rules: [{ from: [{ source: { namespaces: ['allowed-ns'], trustDomains: ['cluster.local'] } }] }] });
    expect(domain(translate(text))[0]?.rules).toEqual([]);
    expect(notices(text)[0]).toContain('(found: trustDomains)');
  });

  it('a DENY with HTTP-only fields becomes a no-op: empty matches never match', () => {
    const cases = [
      { from: [{ source: { notRequestPrincipals: ['example.com/sub-1'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'] } }], to: [{ operation: { methods: ['GET'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'] } }], when: [{ key: 'request.headers[x-token]', values: ['secret'] }] },
    ];
    for (const rule of cases) {
      const text = ap({ action: 'DENY', rules: [rule] });
      expect(evaluate(tls, domain(translate(text))).allowed).toBe(true);
      expect(notices(text)[0]).toMatch(/this DENY policy has no enforceable rules at ztunnel and will have no effect\. Deploy a waypoint proxy and use a targetRef to enforce this policy\.$/);
    }
  });

  it('a DENY keeps its L4 part: ports next to methods, principals next to requestPrincipals, and other rules', () => {
    const mixed = [
      { to: [{ operation: { methods: ['POST'], ports: ['8080'] } }] },
      { from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'], notRequestPrincipals: ['x/y'] } }] },
      {},
    ];
    for (const rule of mixed) {
      const extra = rule === mixed[2] ? [{ from: [{ source: { requestPrincipals: ['x/y'] } }] }] : [];
      const text = ap({ action: 'DENY', rules: [rule, ...extra] });
      expect(evaluate(tls, domain(translate(text)))).toMatchObject({ allowed: false, reason: 'explicitly denied by: backend/p' });
      expect(notices(text)[0]).toMatch(/DENY policy with HTTP attributes is enforced without the HTTP rules\. This will be more restrictive than requested\.$/);
    }
    expect(evaluate(plaintext, domain(translate(ap({ action: 'DENY', rules: [mixed[1]] })))).allowed).toBe(true);
  });
});
