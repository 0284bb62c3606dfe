// Table tests for every rule of ztunnel's L4 authorization (reference §5.2 and §5.3).
import { describe, expect, it } from 'vitest';
import { hasCode } from '@ambient/core';
import { AuthzError, createMatch, evaluate, type Policy } from '../src/index.js';
import { plaintext, single, tls, withRules } from './helpers.js';

describe('actions and order (§5.2)', () => {
  const allowWeb = single('allow-web', 'ALLOW', { principals: ['cluster.local/ns/frontend/sa/web'] });
  const allowOther = single('allow-other', 'ALLOW', { principals: ['cluster.local/ns/other/sa/x'] });
  const denyWeb = single('deny-web', 'DENY', { namespaces: ['frontend'] });
  const denyOther = single('deny-other', 'DENY', { namespaces: ['other'] });

  it.each([
    ['no policies: allow by default', [], true, undefined, 'no allow policies apply: allowed by default'],
    ['only a non-matching DENY: allow by default', [denyOther], true, undefined, 'no allow policies apply: allowed by default'],
    ['a matching DENY denies', [denyWeb], false, 'backend/deny-web', 'explicitly denied by: backend/deny-web'],
    ['a matching DENY beats a matching ALLOW', [allowWeb, denyWeb], false, 'backend/deny-web', 'explicitly denied by: backend/deny-web'],
    ['a matching ALLOW allows', [allowOther, allowWeb], true, 'backend/allow-web', 'allowed by: backend/allow-web'],
    ['ALLOW policies exist but none matches: deny', [allowOther, denyOther], false, undefined, 'allow policies exist, but none allowed'],
  ] as const)('%s', (_title, policies, allowed, policy, reason) => {
    const decision = evaluate(tls, policies);
    expect(decision.allowed).toBe(allowed);
    expect(decision.decidedBy?.policy).toBe(policy);
    expect(decision.reason).toBe(reason);
    expect(decision.dryRun).toEqual([]);
  });

  it('an ALLOW policy with no rules denies everything (it never matches)', () => {
    const d = evaluate(tls, [withRules('allow-nothing', 'ALLOW', [])]);
    expect(d).toMatchObject({ allowed: false, reason: 'allow policies exist, but none allowed' });
  });

  it('a DENY policy with no rules denies nothing', () => {
    expect(evaluate(tls, [withRules('deny-nothing', 'DENY', [])]).allowed).toBe(true);
  });

  it('dry-run policies are reported, never enforced', () => {
    const dryDeny = single('dry-deny', 'DENY', { namespaces: ['frontend'] }, { dryRun: true });
    const dryAllow = single('dry-allow', 'ALLOW', { namespaces: ['nobody'] }, { dryRun: true });
    const d = evaluate(tls, [dryDeny, dryAllow]);
    // The dry-run ALLOW does not count as an ALLOW policy either, so the default (allow) holds.
    expect(d.allowed).toBe(true);
    expect(d.reason).toBe('no allow policies apply: allowed by default');
    expect(d.dryRun).toEqual([{ policy: 'backend/dry-deny', rule: 0, action: 'DENY' }]);
    const both = evaluate(tls, [dryDeny, allowWeb]);
    expect(both).toMatchObject({ allowed: true, decidedBy: { policy: 'backend/allow-web', rule: 0 } });
    expect(both.dryRun).toHaveLength(1);
  });

  it('names the deciding rule index', () => {
    const p = withRules('two-rules', 'ALLOW', [[[{ namespaces: ['nobody'] }]], [[{ namespaces: ['frontend'] }]]]);
    expect(evaluate(tls, [p]).decidedBy).toEqual({ policy: 'backend/two-rules', rule: 1 });
  });

  it('names the smallest key when several policies could decide, whatever the input order', () => {
    const a = single('a-deny', 'DENY', { namespaces: ['frontend'] });
    const b = single('b-deny', 'DENY', { namespaces: ['frontend'] });
    expect(evaluate(tls, [b, a]).decidedBy?.policy).toBe('backend/a-deny');
    expect(evaluate(tls, [a, b]).decidedBy?.policy).toBe('backend/a-deny');
  });
});

describe('structure (§5.3)', () => {
  it('rules are ORed', () => {
    const p = withRules('p', 'ALLOW', [[[{ namespaces: ['x'] }]], [[{ destinationPorts: [8080] }]]]);
    expect(evaluate(tls, [p]).allowed).toBe(true);
  });

  it('clauses are ANDed', () => {
    const ok = withRules('p', 'ALLOW', [[[{ namespaces: ['frontend'] }], [{ destinationPorts: [8080] }]]]);
    const bad = withRules('p', 'ALLOW', [[[{ namespaces: ['frontend'] }], [{ destinationPorts: [9090] }]]]);
    expect(evaluate(tls, [ok]).allowed).toBe(true);
    expect(evaluate(tls, [bad]).allowed).toBe(false);
  });

  it('matches in a clause are ORed', () => {
    const p = withRules('p', 'ALLOW', [[[{ namespaces: ['x'] }, { namespaces: ['frontend'] }]]]);
    expect(evaluate(tls, [p]).allowed).toBe(true);
  });

  it('fields in a match are ANDed', () => {
    expect(evaluate(tls, [single('p', 'ALLOW', { namespaces: ['frontend'], destinationPorts: [8080] })]).allowed).toBe(true);
    expect(evaluate(tls, [single('p', 'ALLOW', { namespaces: ['frontend'], destinationPorts: [1] })]).allowed).toBe(false);
  });

  it('within a field any positive value matches and no negative value may match', () => {
    expect(evaluate(tls, [single('p', 'ALLOW', { destinationPorts: [1, 8080] })]).allowed).toBe(true);
    expect(evaluate(tls, [single('p', 'ALLOW', { destinationPorts: [8080], notDestinationPorts: [8080] })]).allowed).toBe(false);
    expect(evaluate(tls, [single('p', 'ALLOW', { notDestinationPorts: [1, 2] })]).allowed).toBe(true);
  });

  it('an empty match never matches; an empty clause and a rule without clauses match everything', () => {
    expect(evaluate(tls, [withRules('p', 'DENY', [[[{}]]])]).allowed).toBe(true);
    expect(evaluate(tls, [withRules('p', 'DENY', [[[]]])]).allowed).toBe(false);
    expect(evaluate(tls, [withRules('p', 'DENY', [[]])]).allowed).toBe(false);
    // An empty match next to a matching one does not spoil the clause.
    expect(evaluate(tls, [withRules('p', 'DENY', [[[{}, { destinationPorts: [8080] }]]])]).allowed).toBe(false);
  });
});

describe('fields (§5.3)', () => {
  type Row = [string, Parameters<typeof single>[2], boolean, boolean];
  // [field, match, matches the mTLS connection, matches the plaintext one]
  it.each<Row>([
    ['namespaces exact', { namespaces: ['frontend'] }, true, false],
    ['namespaces prefix', { namespaces: ['front*'] }, true, false],
    ['namespaces suffix', { namespaces: ['*end'] }, true, false],
    ['namespaces presence', { namespaces: ['*'] }, true, false],
    ['notNamespaces', { notNamespaces: ['frontend'] }, false, true],
    ['notNamespaces presence (plaintext has no namespace)', { notNamespaces: ['*'] }, false, true],
    ['principals exact, without spiffe://', { principals: ['cluster.local/ns/frontend/sa/web'] }, true, false],
    ['principals with spiffe:// never match', { principals: ['spiffe://cluster.local/ns/frontend/sa/web'] }, false, false],
    ['principals prefix', { principals: ['cluster.local/ns/frontend/*'] }, true, false],
    ['principals suffix', { principals: ['*/sa/web'] }, true, false],
    ['principals presence', { principals: ['*'] }, true, false],
    ['notPrincipals presence: deny plaintext (STRICT)', { notPrincipals: ['*'] }, false, true],
    ['notPrincipals exact', { notPrincipals: ['cluster.local/ns/frontend/sa/web'] }, false, true],
    ['serviceAccounts', { serviceAccounts: ['frontend/web'] }, true, false],
    ['serviceAccounts ignore the trust domain', { serviceAccounts: [{ namespace: 'frontend', serviceAccount: 'web' }] }, true, false],
    ['serviceAccounts other', { serviceAccounts: ['frontend/api'] }, false, false],
    ['notServiceAccounts', { notServiceAccounts: ['frontend/web'] }, false, true],
    ['sourceIps exact', { sourceIps: ['10.0.0.1'] }, true, true],
    ['sourceIps CIDR', { sourceIps: ['10.0.0.0/24'] }, true, true],
    ['sourceIps CIDR with host bits', { sourceIps: ['10.0.0.77/24'] }, true, true],
    ['sourceIps /0', { sourceIps: ['0.0.0.0/0'] }, true, true],
    ['sourceIps other', { sourceIps: ['10.0.1.0/24'] }, false, false],
    ['sourceIps IPv6 range never holds IPv4', { sourceIps: ['::/0'] }, false, false],
    ['notSourceIps', { notSourceIps: ['10.0.0.0/8'] }, false, false],
    ['destinationIps', { destinationIps: ['10.0.1.0/24'] }, true, true],
    ['notDestinationIps', { notDestinationIps: ['10.0.1.5'] }, false, false],
    ['destinationPorts: the target port', { destinationPorts: [8080] }, true, true],
    ['destinationPorts: never the HBONE port', { destinationPorts: [15008] }, false, false],
    ['notDestinationPorts', { notDestinationPorts: [8080] }, false, false],
  ])('%s', (_field, match, onTls, onPlaintext) => {
    const p = single('p', 'ALLOW', match);
    expect(evaluate(tls, [p]).allowed).toBe(onTls);
    expect(evaluate(plaintext, [p]).allowed).toBe(onPlaintext);
  });

  it('matches IPv6 CIDRs, including prefixes that split a 32-bit word', () => {
    const conn = { ...tls, srcIp: '2001:db8:0:1::7', dstIp: 'fd00::5' };
    expect(evaluate(conn, [single('p', 'ALLOW', { sourceIps: ['2001:db8::/48'] })]).allowed).toBe(true);
    expect(evaluate(conn, [single('p', 'ALLOW', { sourceIps: ['2001:db8:0:1::/68'] })]).allowed).toBe(true);
    expect(evaluate(conn, [single('p', 'ALLOW', { sourceIps: ['2001:db8:0:2::/64'] })]).allowed).toBe(false);
    expect(evaluate(conn, [single('p', 'ALLOW', { destinationIps: ['fd00::5'] })]).allowed).toBe(true);
    expect(evaluate(conn, [single('p', 'ALLOW', { sourceIps: ['0.0.0.0/0'] })]).allowed).toBe(false);
  });

  it('treats an IPv4-mapped peer address as IPv4 (a dual-stack listener reports ::ffff:a.b.c.d)', () => {
    const conn = { ...tls, srcIp: '::ffff:10.0.0.1' };
    expect(evaluate(conn, [single('p', 'ALLOW', { sourceIps: ['10.0.0.0/8'] })]).allowed).toBe(true);
  });

  it('the namespace comes from the peer identity; exact "" matches plaintext as in ztunnel', () => {
    expect(evaluate(plaintext, [single('p', 'ALLOW', { namespaces: [{ type: 'exact', value: '' }] })]).allowed).toBe(true);
  });
});

describe('bad connections', () => {
  it.each([
    [{ ...tls, srcIp: '10.0.0' }, 'srcIp "10.0.0" is not an IPv4 or IPv6 address'],
    [{ ...tls, srcIp: '010.0.0.1' }, 'srcIp "010.0.0.1" is not an IPv4 or IPv6 address'],
    [{ ...tls, dstIp: 'fe80::1%eth0' }, 'dstIp "fe80::1%eth0" is not an IPv4 or IPv6 address'],
    [{ ...tls, dstIp: 'example.com' }, 'dstIp "example.com" is not an IPv4 or IPv6 address'],
    [{ ...tls, dstPort: 70000 }, 'dstPort 70000 is not a port from 0 to 65535'],
  ])('rejects %j', (conn, message) => {
    let caught: unknown;
    try {
      evaluate(conn, []);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AuthzError);
    expect(hasCode(caught, 'AUTHZ_ERR_INVALID_CONNECTION')).toBe(true);
    expect((caught as Error).message).toBe(message);
  });
});

describe('policies not built by createPolicy', () => {
  it('evaluates a plain Policy object the same way', () => {
    const literal: Policy = {
      key: 'backend/literal', name: 'literal', namespace: 'backend', scope: 'NAMESPACE', action: 'DENY', dryRun: false,
      rules: [[[createMatch({ destinationPorts: [8080] })]]],
    };
    expect(evaluate(tls, [literal])).toMatchObject({ allowed: false, decidedBy: { policy: 'backend/literal', rule: 0 } });
    expect(evaluate({ ...tls, dstPort: 1 }, [literal]).allowed).toBe(true);
  });
});
