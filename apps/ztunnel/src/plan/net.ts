// Address helpers for the plans: IP literal checks, loopback, canonical text and host:port formatting.
import { formatIp, parseIp } from '@ambient/l4-authz';

export function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

export function isIpLiteral(text: string): boolean {
  return parseIp(text) !== undefined;
}

/**
 * Canonical text of an IP literal (RFC 5952 for IPv6; an IPv4-mapped IPv6 address as the IPv4 address, as a
 * dual-stack socket reports IPv4 peers), or undefined when it is not one.
 */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  if (ip === undefined) return undefined;
  const [w0, w1, w2, w3] = ip.words;
  if (ip.family === 6 && w0 === 0 && w1 === 0 && w2 === 0xffff && w3 !== undefined) return formatIp({ family: 4, words: [w3] });
  return formatIp(ip);
}

/** 127.0.0.0/8, ::1, or an IPv4-mapped loopback address. */
export function isLoopback(text: string): boolean {
  const canonical = canonicalIp(text);
  return canonical === '::1' || (canonical?.startsWith('127.') ?? false);
}

/** 'ip:port', with IPv6 in brackets as in an HTTP :authority. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
