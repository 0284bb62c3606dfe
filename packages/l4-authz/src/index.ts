// @ambient/l4-authz: ztunnel-exact L4 authorization — the policy model, evaluation, the indexed store and
// explanations. Wire conversion lives in '@ambient/l4-authz/xds', YAML translation in '@ambient/l4-authz/yaml'.
export { AuthzError, formatLocated } from './errors.js';
export type { AuthzErrorCode, ErrorLocation } from './errors.js';
export { cidrContains, formatIp, parseCidr, parseIp } from './ip.js';
export type { Cidr, IpAddress } from './ip.js';
export { createMatch, formatStringMatch, isEmptyMatch, principalOf, stringMatch } from './model.js';
export { createPolicy } from './policy.js';
export type {
  Action, Clause, Connection, Identity, Match, MatchInit, Policy, PolicyInit, Rule, Scope, ServiceAccountMatch,
  StringMatch, WorkloadRef,
} from './model.js';
export { evaluate, REASON_NO_ALLOW_POLICIES, REASON_NONE_ALLOWED } from './evaluate.js';
export type { DecidedBy, Decision, DryRunMatch } from './evaluate.js';
export { explain, explainWorkload } from './explain.js';
export type { Explanation, PolicyExplanation, WorkloadExplanation } from './explain.js';
export { policiesFromJson, policyFromJson, policyToJson } from './json.js';
export { PolicyStore } from './store.js';
export type { PolicyChange, PolicyListener } from './store.js';
