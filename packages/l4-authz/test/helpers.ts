// Shared builders for the tests: connections and policies in one line each.
import { createPolicy, type Connection, type MatchInit, type Policy, type PolicyInit } from '../src/index.js';

export const tls: Connection = {
  srcIp: '10.0.0.1',
  srcIdentity: { trustDomain: 'cluster.local', namespace: 'frontend', serviceAccount: 'web' },
  dstIp: '10.0.1.5',
  dstPort: 8080,
};

export const plaintext: Connection = { srcIp: '10.0.0.1', dstIp: '10.0.1.5', dstPort: 8080 };

/** A policy with one rule of one clause of one match, the common shape. */
export function single(name: string, action: 'ALLOW' | 'DENY', match: MatchInit, extra: Partial<PolicyInit> = {}): Policy {
  return createPolicy({ name, namespace: 'backend', scope: 'NAMESPACE', action, rules: [[[match]]], ...extra });
}

export function withRules(name: string, action: 'ALLOW' | 'DENY', rules: PolicyInit['rules'], extra: Partial<PolicyInit> = {}): Policy {
  return createPolicy({ name, namespace: 'backend', scope: 'NAMESPACE', action, rules, ...extra });
}
