// The CONNECT :authority of HBONE: ip:port, IPv6 in brackets (reference §2.3). Pure.
import { isIP } from 'node:net';

export interface Authority {
  readonly host: string;
  readonly port: number;
}

/** Parses `ip:port` / `[ipv6]:port`; with `allowHostname`, also `host.name:port` (double HBONE). */
export function parseAuthority(raw: string, options: { allowHostname?: boolean } = {}): Authority | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  const v6 = match[1];
  if (v6 !== undefined) return isIP(v6) === 6 ? { host: v6, port } : undefined;
  const host = match[2] ?? '';
  if (isIP(host) === 4) return { host, port };
  if (options.allowHostname && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(host)) {
    return { host, port };
  }
  return undefined;
}

export function formatAuthority(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
