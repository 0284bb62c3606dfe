// Building policies in code: Istio's string notation, defaults, and typed errors for malformed fields.
import { hasCode } from '@ambient/core';
import { describe, expect, it } from 'vitest';
import { AuthzError, createMatch, createPolicy, formatStringMatch, isEmptyMatch, stringMatch } from '../src/index.js';

describe('createPolicy', () => {
  it('fills defaults, computes the key and freezes everything', () => {
    const p = createPolicy({ name: 'p', namespace: 'ns', scope: 'NAMESPACE', rules: [[[{ principals: ['*'] }]]] });
    expect(p).toMatchObject({ key: 'ns/p', action: 'ALLOW', dryRun: false });
    expect(Object.isFrozen(p) && Object.isFrozen(p.rules) && Object.isFrozen(p.rules[0]?.[0]?.[0])).toBe(true);
  });

  it.each<[string, Parameters<typeof createMatch>[0], string]>([
    ['port 0', { destinationPorts: [0] }, 'rules[0][0][0].destinationPorts[0]: port 0 is not from 1 to 65535'],
    ['port 65536', { notDestinationPorts: [65536] }, 'rules[0][0][0].notDestinationPorts[0]: port 65536 is not from 1 to 65535'],
    ['fractional port', { destinationPorts: [80.5] }, 'rules[0][0][0].destinationPorts[0]: port 80.5 is not from 1 to 65535'],
    ['bad CIDR', { sourceIps: ['10.0.0.0/40'] }, 'rules[0][0][0].sourceIps[0]: "10.0.0.0/40" is not an IP address or CIDR range'],
    ['bad service account', { serviceAccounts: ['web'] }, 'rules[0][0][0].serviceAccounts[0]: service account "web" is not "namespace/serviceAccount"'],
  ])('rejects %s', (_title, match, message) => {
    let caught: unknown;
    try {
      createPolicy({ name: 'p', namespace: 'ns', scope: 'GLOBAL', rules: [[[match]]] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AuthzError);
    expect(hasCode(caught, 'AUTHZ_ERR_INVALID_POLICY')).toBe(true);
    expect((caught as AuthzError).message).toBe(message);
  });

  it('rejects an empty name', () => {
    expect(() => createPolicy({ name: '', namespace: 'ns', scope: 'GLOBAL' })).toThrow('name: must not be empty');
  });
});

describe('string matches', () => {
  it.each([
    ['*', { type: 'presence' }],
    ['*-prod', { type: 'suffix', value: '-prod' }],
    ['kube-*', { type: 'prefix', value: 'kube-' }],
    ['exact', { type: 'exact', value: 'exact' }],
  ])('%s', (text, match) => {
    expect(stringMatch(text)).toEqual(match);
    expect(formatStringMatch(stringMatch(text))).toBe(JSON.stringify(text));
  });

  it('an empty match is one with no field set', () => {
    expect(isEmptyMatch(createMatch({}))).toBe(true);
    expect(isEmptyMatch(createMatch({ notDestinationPorts: [1] }))).toBe(false);
  });
});
