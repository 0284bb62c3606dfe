// Property-based checks of the invariants any correct L4 authorizer keeps, over random policies and connections.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../src/compile.js';
import { ConnectionFacts } from '../src/facts.js';
import { createPolicy, evaluate, type Connection, type MatchInit, type Policy } from '../src/index.js';
import { firstMatchingRule } from '../src/matching.js';

// Small value pools so that random policies actually match random connections often.
const namespaces = ['a', 'b', 'kube-system'];
const accounts = ['web', 'api'];
const ips = ['10.0.0.1', '10.0.1.7', '192.168.1.1', 'fd00::1', '2001:db8::9'];
const cidrs = ['10.0.0.0/24', '10.0.0.0/8', '192.168.0.0/16', 'fd00::/16', '0.0.0.0/0', '::/0', '10.0.1.7'];
const ports = [80, 8080, 9090];
const strings = [...namespaces, '*', 'kube-*', '*-system', 'cluster.local/ns/a/sa/web', 'cluster.local/ns/b/sa/api', 'cluster.local/ns/b/*', '*/sa/api', 'cluster.local/ns/a/sa/web/x'];

const some = <T>(pool: readonly T[]) => fc.array(fc.constantFrom(...pool), { maxLength: 2 });
const match: fc.Arbitrary<MatchInit> = fc.record(
  {
    namespaces: some(strings), notNamespaces: some(strings), principals: some(strings), notPrincipals: some(strings),
    serviceAccounts: some(namespaces.flatMap((n) => accounts.map((a) => `${n}/${a}`))),
    notServiceAccounts: some(namespaces.flatMap((n) => accounts.map((a) => `${n}/${a}`))),
    sourceIps: some(cidrs), notSourceIps: some(cidrs), destinationIps: some(cidrs), notDestinationIps: some(cidrs),
    destinationPorts: some(ports), notDestinationPorts: some(ports),
  },
  { requiredKeys: [] },
);
const rules = fc.array(fc.array(fc.array(match, { maxLength: 2 }), { maxLength: 2 }), { maxLength: 3 });
const policyFields = fc.record({ action: fc.constantFrom('ALLOW' as const, 'DENY' as const), dryRun: fc.boolean(), rules });
const policies = fc
  .uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), policyFields), { selector: ([name]) => name, maxLength: 6 })
  .map((list) => list.map(([name, p]) => createPolicy({ name, namespace: 'backend', scope: 'NAMESPACE', ...p })));
const connection: fc.Arbitrary<Connection> = fc.record({
  srcIp: fc.constantFrom(...ips),
  dstIp: fc.constantFrom(...ips),
  dstPort: fc.constantFrom(...ports),
  srcIdentity: fc.option(
    fc.record({ trustDomain: fc.constantFrom('cluster.local', 'td', 'cluster.local/ns/a'), namespace: fc.constantFrom(...namespaces), serviceAccount: fc.constantFrom(...accounts) }),
    { nil: undefined },
  ),
});
const denyPolicy = policyFields.map((p) => createPolicy({ name: 'zz-added-deny', namespace: 'backend', scope: 'NAMESPACE', ...p, action: 'DENY', dryRun: false }));

const runs = { numRuns: 400 };

describe('invariants', () => {
  it('a matching DENY always wins', () => {
    fc.assert(
      fc.property(policies, denyPolicy, connection, (list, deny, conn) => {
        fc.pre(!evaluate(conn, [deny]).allowed); // the DENY matches this connection on its own
        expect(evaluate(conn, [...list, deny]).allowed).toBe(false);
      }),
      runs,
    );
  });

  it('removing all ALLOW policies never turns an allow into a deny', () => {
    fc.assert(
      fc.property(policies, connection, (list, conn) => {
        fc.pre(evaluate(conn, list).allowed);
        expect(evaluate(conn, list.filter((p) => p.action !== 'ALLOW')).allowed).toBe(true);
      }),
      runs,
    );
  });

  it('adding a DENY never turns a deny into an allow', () => {
    fc.assert(
      fc.property(policies, denyPolicy, connection, (list, deny, conn) => {
        fc.pre(!evaluate(conn, list).allowed);
        expect(evaluate(conn, [...list, deny]).allowed).toBe(false);
      }),
      runs,
    );
  });

  it('evaluation is order-independent: the whole decision, deciding policy and dry-run report included', () => {
    fc.assert(
      fc.property(policies.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length }))), connection, ([list, shuffled], conn) => {
        expect(evaluate(conn, shuffled)).toEqual(evaluate(conn, list));
      }),
      runs,
    );
  });

  it('dry-run policies never change the decision', () => {
    fc.assert(
      fc.property(policies, connection, (list, conn) => {
        const enforced = list.filter((p: Policy) => !p.dryRun);
        const { dryRun: _ignored, ...withDry } = evaluate(conn, list);
        const { dryRun: _none, ...without } = evaluate(conn, enforced);
        expect(withDry).toEqual(without);
      }),
      runs,
    );
  });

  it('compiled matchers agree with the reference matcher on every policy and connection', () => {
    fc.assert(
      fc.property(policies, connection, (list, conn) => {
        const f = new ConnectionFacts(conn);
        for (const p of list) expect(compilePolicy(p)(f)).toBe(firstMatchingRule(p, f));
      }),
      { numRuns: 1000 },
    );
  });
});
