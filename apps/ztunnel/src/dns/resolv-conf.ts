// The default upstream resolvers: the `nameserver` lines of resolv.conf(5), port 53, as ztunnel reads its own.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { HostPort } from '@ambient/core';
import { ZtunnelError } from '../errors.js';

export const RESOLV_CONF = '/etc/resolv.conf';

/** Nameserver addresses in resolv.conf text, in order; lines that are not an IP nameserver are ignored. */
export function parseResolvConf(text: string): HostPort[] {
  const out: HostPort[] = [];
  for (const line of text.split('\n')) {
    const [keyword, address] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (keyword !== 'nameserver' || address === undefined) continue;
    const host = address.replace(/%.*$/, '');
    if (net.isIP(host) !== 0) out.push({ host, port: 53 });
  }
  return out;
}

/** The configured upstreams, or resolv.conf's; names the file when it gives none. */
export function dnsUpstreams(configured: readonly HostPort[], file = RESOLV_CONF): readonly HostPort[] {
  if (configured.length > 0) return configured;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ZtunnelError('ZTUNNEL_ERR_FILE', `--dns-capture needs upstream resolvers: give --dns-upstream, or a readable ${file} (${(err as Error).message})`, { cause: err });
  }
  const found = parseResolvConf(text);
  if (found.length === 0) throw new ZtunnelError('ZTUNNEL_ERR_FILE', `--dns-capture needs upstream resolvers: ${file} names no nameserver by IP; give --dns-upstream`);
  return found;
}
