// The registry of problem codes a config update can report, and the one place that formats a problem for a log line.
import type { ConfigProblem } from './types.js';

/** Every code, with what an operator should check. Stable: ambientd counts them in metrics. */
export const PROBLEM_CODES = {
  CONFIG_ERR_YAML: 'the file is not valid YAML; fix the syntax at the line given',
  CONFIG_ERR_UNKNOWN_KIND: 'the object is of a kind ambientd does not read; remove it or fix apiVersion/kind',
  CONFIG_ERR_UNKNOWN_API_VERSION: 'the kind is known but not at this apiVersion; use one of the versions named',
  CONFIG_ERR_MISSING_FIELD: 'a required field is absent or empty',
  CONFIG_ERR_INVALID_FIELD: 'a field has the wrong type, an unknown name or a value outside what Istio accepts',
  CONFIG_ERR_BAD_ADDRESS: 'an IP address does not parse',
  CONFIG_ERR_BAD_CIDR: 'a CIDR range does not parse or its prefix is out of range',
  CONFIG_ERR_BAD_PORT: 'a port is not a number from 1 to 65535',
  CONFIG_ERR_DUPLICATE: 'the same kind, namespace and name is defined twice; the first definition is served',
  CONFIG_ERR_ADDRESS_CONFLICT: 'two workloads claim one address on one network; the one served before (or the first) keeps it',
  CONFIG_ERR_VIP_CONFLICT: 'two ServiceEntries claim one VIP; the one served before (or the first) keeps it',
  CONFIG_ERR_HOST_CONFLICT: 'two ServiceEntries of one namespace claim one host; the one served before (or the first) keeps it',
  CONFIG_ERR_POLICY: 'an AuthorizationPolicy or PeerAuthentication is invalid',
  CONFIG_ERR_INTERNAL: 'ambientd failed on this input; the previous config is still served (a bug: please report it)',
  CONFIG_ERR_WAYPOINT_MISSING: 'istio.io/use-waypoint names a Gateway that does not exist; traffic is served without a waypoint',
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** 'file:line: Kind ns/name: field: message' without the parts that are unknown. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return [where, p.object, p.field, p.message].filter((s) => s !== undefined && s !== '').join(': ');
}
