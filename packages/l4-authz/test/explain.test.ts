// Explanations: per applicable policy, matched or not and the first failing field, in words users act on.
import { describe, expect, it } from 'vitest';
import { createPolicy, explain, explainWorkload, PolicyStore } from '../src/index.js';
import { plaintext, single, tls, withRules } from './helpers.js';

describe('explain', () => {
  it('names the first failing field of each rule, in ztunnel checking order', () => {
    const p = withRules('allow-api', 'ALLOW', [
      [[{ destinationPorts: [8080] }], [{ principals: ['cluster.local/ns/a/sa/b', 'cluster.local/ns/c/*'] }]],
      [[{ sourceIps: ['192.168.0.0/16'], namespaces: ['nope'] }]],
    ]);
    const { decision, policies } = explain(tls, [p]);
    expect(decision).toMatchObject({ allowed: false, reason: 'allow policies exist, but none allowed' });
    expect(policies).toEqual([
      {
        policy: 'backend/allow-api', action: 'ALLOW', scope: 'NAMESPACE', dryRun: false, matched: false,
        detail:
          'rule 0 clause 1: source principal "cluster.local/ns/frontend/sa/web" not in ["cluster.local/ns/a/sa/b", "cluster.local/ns/c/*"]; ' +
          'rule 1 clause 0: source IP 10.0.0.1 not in [192.168.0.0/16]',
      },
    ]);
  });

  it('explains negative fields, plaintext peers and empty matches', () => {
    const strict = single('strict', 'DENY', { notPrincipals: ['*'] });
    const deny = single('deny-ports', 'DENY', { notDestinationPorts: [8080] });
    const httpOnly = withRules('http-only', 'DENY', [[[{}]]]);
    const ns = single('ns', 'ALLOW', { namespaces: ['frontend'] });
    const onTls = explain(tls, [strict, deny, httpOnly]).policies.map((p) => p.detail);
    expect(onTls).toEqual([
      'rule 0 clause 0: destination port 8080 matches a not-value [8080]',
      'rule 0 clause 0: match is empty (only unsupported HTTP conditions?), never matches',
      'rule 0 clause 0: source principal "cluster.local/ns/frontend/sa/web" matches a not-value ["*"]',
    ]);
    const onPlain = explain(plaintext, [strict, ns]);
    expect(onPlain.decision.reason).toBe('explicitly denied by: backend/strict');
    expect(onPlain.policies.map((p) => [p.policy, p.matched, p.detail])).toEqual([
      ['backend/ns', false, 'rule 0 clause 0: source namespace "" (no identity) not in ["frontend"]'],
      ['backend/strict', true, 'matched rule 0'],
    ]);
    const sa = explain(plaintext, [single('sa', 'ALLOW', { serviceAccounts: ['frontend/web'] })]).policies[0]?.detail;
    expect(sa).toBe('rule 0 clause 0: source service account (no identity: plaintext) not in [frontend/web]');
  });

  it('lists every failing match of a clause', () => {
    const p = withRules('two', 'ALLOW', [[[{ destinationIps: ['10.9.0.0/16'] }, { destinationPorts: [1] }, {}]]]);
    expect(explain(tls, [p]).policies[0]?.detail).toBe(
      'rule 0 clause 0: none of 3 matches: [0] destination IP 10.0.1.5 not in [10.9.0.0/16]; [1] destination port 8080 not in [1]; [2] match is empty (only unsupported HTTP conditions?), never matches',
    );
  });

  it('says why a policy without rules never matches, and sorts and de-duplicates policies', () => {
    const none = createPolicy({ name: 'allow-nothing', namespace: 'a', scope: 'GLOBAL' });
    const dry = single('dry', 'DENY', { namespaces: ['frontend'] }, { dryRun: true });
    const { decision, policies } = explain(tls, [none, dry, none]);
    expect(policies.map((p) => [p.policy, p.matched, p.dryRun, p.detail])).toEqual([
      ['a/allow-nothing', false, false, 'policy has no rules, so it never matches'],
      ['backend/dry', true, true, 'matched rule 0'],
    ]);
    expect(decision.dryRun).toEqual([{ policy: 'backend/dry', rule: 0, action: 'DENY' }]);
  });
});

describe('explainWorkload', () => {
  it('explains with the store\'s applicable policies and names listed keys the store lacks', () => {
    const store = new PolicyStore();
    store.replaceAll([single('ns-allow', 'ALLOW', { namespaces: ['frontend'] })]);
    const result = explainWorkload(store, { namespace: 'backend', authorizationPolicies: ['backend/not-synced'] }, tls);
    expect(result.decision.allowed).toBe(true);
    expect(result.policies.map((p) => p.policy)).toEqual(['backend/ns-allow']);
    expect(result.missingPolicies).toEqual(['backend/not-synced']);
  });
});
