// Policies to JSON and back (ztunnel's /config_dump `policies`): the rebuilt policy decides exactly as the original,
// and malformed JSON is refused naming the path of the bad field.
import { describe, expect, it } from 'vitest';
import { AuthzError, createPolicy, evaluate, policiesFromJson, policyFromJson, policyToJson, type Connection, type Policy } from '../src/index.js';
import { plaintext, tls } from './helpers.js';

const rich: Policy = createPolicy({
  name: 'rich', namespace: 'backend', scope: 'WORKLOAD_SELECTOR', action: 'DENY', dryRun: false,
  rules: [
    [[{ principals: ['cluster.local/ns/frontend/*'], notNamespaces: ['*-test'], sourceIps: ['10.0.0.0/8'], notSourceIps: ['10.9.9.9'] }]],
    [[{ serviceAccounts: ['frontend/web'], destinationPorts: [8080, 9090] }, { notPrincipals: ['*'] }], [{ destinationIps: ['2001:db8::/32', '10.0.1.5'], notDestinationPorts: [22] }]],
  ],
});
const allowAll = createPolicy({ name: 'allow-all', namespace: 'istio-system', scope: 'GLOBAL', action: 'ALLOW', dryRun: true, rules: [[]] });
const noRules = createPolicy({ name: 'deny-nothing', namespace: 'backend', scope: 'NAMESPACE', action: 'ALLOW' });

const connections: Connection[] = [
  tls, plaintext, { ...tls, srcIp: '10.9.9.9' }, { ...tls, dstPort: 22 }, { ...tls, dstIp: '2001:db8::1', srcIp: '2001:db8::2' },
  { ...tls, srcIdentity: { trustDomain: 'cluster.local', namespace: 'x-test', serviceAccount: 'web' } },
];

describe('policyToJson / policyFromJson', () => {
  it.each([rich, allowAll, noRules])('round-trips %s through JSON text to an equal policy', (p) => {
    const json = JSON.parse(JSON.stringify(policyToJson(p))) as unknown;
    const back = policyFromJson(json);
    expect(policyToJson(back)).toEqual(policyToJson(p));
    for (const c of connections) expect(evaluate(c, [back])).toEqual(evaluate(c, [p]));
  });

  it('writes CIDRs as the text the policy was written with', () => {
    const json = policyToJson(rich) as { rules: { sourceIps: string[] }[][][] };
    expect(json.rules[0]?.[0]?.[0]?.sourceIps).toEqual(['10.0.0.0/8']);
  });

  it('reads a plain JSON.stringify of a Policy (CIDRs as objects), as ztunnel dumps it today', () => {
    const back = policyFromJson(JSON.parse(JSON.stringify(rich)));
    expect(policyToJson(back)).toEqual(policyToJson(rich));
  });

  it('reads a list', () => {
    expect(policiesFromJson([policyToJson(rich), policyToJson(noRules)]).map((p) => p.key)).toEqual(['backend/rich', 'backend/deny-nothing']);
  });

  const base = (): Record<string, unknown> => JSON.parse(JSON.stringify(policyToJson(rich))) as Record<string, unknown>;
  const withMatch = (m: unknown): Record<string, unknown> => ({ ...base(), rules: [[[m]]] });
  it.each([
    ['not an object', 7, 'policy: must be an object'],
    ['no name', { ...base(), name: '' }, 'policy.name: must be a non-empty string'],
    ['a bad scope', { ...base(), scope: 'CLUSTER' }, 'policy.scope: "CLUSTER" is not one of GLOBAL, NAMESPACE, WORKLOAD_SELECTOR'],
    ['a bad action', { ...base(), action: 'AUDIT' }, 'policy.action: "AUDIT" is not one of ALLOW, DENY'],
    ['a non-boolean dryRun', { ...base(), dryRun: 'yes' }, 'policy.dryRun: must be true or false'],
    ['rules not a list', { ...base(), rules: {} }, 'policy.rules: must be a list'],
    ['a key that disagrees', { ...base(), key: 'other/rich' }, 'policy.key: "other/rich" is not "backend/rich"'],
    ['an unknown match field', withMatch({ hosts: [] }), 'policy.rules[0][0][0].hosts: is not a match field'],
    ['a bad CIDR', withMatch({ sourceIps: ['10.0.0.300'] }), 'policy.rules[0][0][0].sourceIps[0]: "10.0.0.300" is not an IP address or CIDR range'],
    ['a CIDR object without text', withMatch({ sourceIps: [{ prefix: 8 }] }), 'policy.rules[0][0][0].sourceIps[0].text: must be a non-empty string'],
    ['a port out of range', withMatch({ destinationPorts: [70000] }), 'destinationPorts[0]: port 70000 is not from 1 to 65535'],
    ['a port as text', withMatch({ destinationPorts: ['80'] }), 'policy.rules[0][0][0].destinationPorts[0]: is not a port number'],
    ['a string match of unknown type', withMatch({ principals: [{ type: 'regex', value: '.*' }] }), 'policy.rules[0][0][0].principals[0].type: "regex" is not one of exact, prefix, suffix, presence'],
    ['a string match without value', withMatch({ namespaces: [{ type: 'exact' }] }), 'policy.rules[0][0][0].namespaces[0].value: must be a string'],
    ['a service account without namespace', withMatch({ serviceAccounts: [{ serviceAccount: 'web' }] }), 'policy.rules[0][0][0].serviceAccounts[0].namespace: must be a non-empty string'],
  ])('refuses %s', (_, json, message) => {
    let error: unknown;
    try {
      policyFromJson(json);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AuthzError);
    expect((error as AuthzError).code).toBe('AUTHZ_ERR_INVALID_POLICY');
    expect((error as Error).message).toContain(message);
  });

  it('names the list index of a bad policy', () => {
    expect(() => policiesFromJson([policyToJson(rich), { ...base(), scope: 1 }])).toThrow('policies[1].scope: 1 is not one of');
  });
});
