// Istio's value checks for security policies (istio/istio pkg/config/security): IPs and CIDRs, ports, service
// accounts, HTTP path templates and `when` condition keys. Each returns a problem text or undefined.
import { parseCidr } from '../ip.js';

export function checkIp(value: string): string | undefined {
  if (value === '') return 'empty value not allowed';
  if (parseCidr(value) === undefined) return value.includes('/') ? `bad CIDR range "${value}"` : `bad IP address "${value}"`;
  return undefined;
}

/** Istio accepts 0 here but ztunnel never sees a connection to port 0, and our xDS side rejects it: say so early. */
export function checkPort(value: string): string | undefined {
  if (value === '') return 'empty value not allowed';
  if (!/^\d+$/.test(value) || Number(value) > 65535) return `bad port "${value}": expected a number from 1 to 65535`;
  if (Number(value) === 0) return 'port 0 never matches a connection: expected a number from 1 to 65535';
  return undefined;
}

export function checkServiceAccount(value: string): string | undefined {
  if (value === '') return 'empty value not allowed';
  if (value.includes('*')) return `wildcard not allowed in "${value}"`;
  if (value.length > 320) return `value cannot exceed 320 characters, found "${value.slice(0, 20)}…"`;
  const parts = value.split('/');
  if (parts.length > 2 || parts.some((p) => p === '')) return `expected format 'serviceAccount' or 'namespace/serviceAccount', found "${value}"`;
  return undefined;
}

const VALID_LITERAL = /^[a-zA-Z0-9-._~%!$&'()+,;:@=]+$/;

export function checkPathTemplate(path: string): string | undefined {
  if (path === '') return 'empty value not allowed';
  const templated = path.includes('{*}') || path.includes('{**}');
  let seenAny = false;
  for (const glob of path.replace(/^\/+|\/+$/g, '').split('/')) {
    if ((glob === '{*}' || glob === '{**}') && seenAny) return `invalid path "${path}": {**} is not the last operator`;
    if (glob === '{*}') continue;
    if (glob === '{**}') {
      seenAny = true;
      continue;
    }
    if (/[{}]/.test(glob)) return `invalid path "${path}": contains '{' or '}' beyond a supported path template`;
    if (templated && !VALID_LITERAL.test(glob)) return `invalid path "${path}": segment "${glob}" is not a valid literal`;
  }
  return undefined;
}

/** The `when` keys ztunnel enforces; every other valid key is HTTP-only. */
export const L4_WHEN_KEYS: readonly string[] = ['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port'];

const PLAIN_KEYS = ['source.namespace', 'source.principal', 'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter', 'connection.sni'];
const MAP_KEY_PREFIXES = ['request.headers', 'request.experimental.inline.headers', 'request.auth.claims', 'experimental.envoy.filters.'];

/** Checks a `when` key and its values; returns the problem with the key, or undefined. */
export function checkCondition(key: string, values: readonly string[]): string | undefined {
  if (values.some((v) => v === '')) return `empty value not allowed for key ${key}`;
  const each = (check: (v: string) => string | undefined) => values.map(check).find((p) => p !== undefined);
  if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') return each(checkIp);
  if (key === 'destination.port') return each(checkPort);
  if (key === 'source.serviceAccount') return each(checkServiceAccount);
  if (PLAIN_KEYS.includes(key)) return undefined;
  if (MAP_KEY_PREFIXES.some((p) => key.startsWith(p))) {
    const open = key.indexOf('[');
    return key.endsWith(']') && open > 0 && open < key.length - 2 ? undefined : `bad key "${key}": should have the format a[b]`;
  }
  if (key === 'destination.namespace') return `attribute ${key} is replaced by metadata.namespace`;
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`;
  if (key === 'destination.name' || key === 'destination.user') return `deprecated attribute ${key}: only supported in v1alpha1`;
  return `unknown attribute: ${key}`;
}
