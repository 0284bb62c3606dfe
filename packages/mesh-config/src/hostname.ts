// DNS names where a ServiceEntry with resolution DNS may give one instead of an IP: its endpoints' addresses and,
// without endpoints, its hosts (Istio's validation: "not a valid FQDN or an IP address").
import type { FieldPath, Fields } from './fields.js';
import { readIp, type Ip } from './ip.js';
import type { HostAddress } from './objects/model.js';

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;

/** Why `text` is not a DNS name a resolver can be asked for, or undefined when it is one. */
export function dnsNameProblem(text: string): string | undefined {
  if (text.startsWith('*')) return 'is a wildcard, which names no single host to resolve';
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length > 253) return 'is longer than 253 characters';
  const labels = name.split('.');
  if (labels.some((l) => !LABEL.test(l))) return 'is not a DNS name (labels of letters, digits and inner "-", 1 to 63 each)';
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return 'is neither an IP address nor a DNS name';
  return undefined;
}

export function isHostAddress(address: Ip | HostAddress): address is HostAddress {
  return 'hostname' in address;
}

/**
 * An endpoint address: an IP, or with `hostnames` (resolution DNS) a DNS name as well. Without it, a DNS name gets a
 * message saying which resolution would accept it.
 */
export function readEndpointAddress(value: unknown, path: FieldPath, f: Fields, hostnames: boolean): Ip | HostAddress | undefined {
  const text = f.required(value, path);
  if (text === undefined) return undefined;
  const looksLikeIp = /^[0-9.]+$/.test(text) || text.includes(':') || text.includes('/');
  if (looksLikeIp) return readIp(text, path, f);
  const problem = dnsNameProblem(text);
  if (!hostnames) {
    if (problem === undefined) f.add('CONFIG_ERR_BAD_ADDRESS', path, `"${text}" is a hostname, not an IP address: only a ServiceEntry with resolution DNS or DNS_ROUND_ROBIN may name its endpoints by DNS`);
    else f.add('CONFIG_ERR_BAD_ADDRESS', path, `"${text}" is not an IP address`);
    return undefined;
  }
  if (problem !== undefined) {
    f.add('CONFIG_ERR_BAD_ADDRESS', path, `"${text}" ${problem}; an endpoint of a DNS ServiceEntry must be an IP address or a DNS name`);
    return undefined;
  }
  return { hostname: text, text, implicit: false };
}
