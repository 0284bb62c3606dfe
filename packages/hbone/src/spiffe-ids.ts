// TEMPORARY adapter until @ambient/spiffe's peer verification lands: URI SANs and SPIFFE IDs of a certificate.
import type { X509Certificate } from 'node:crypto';

export interface PeerId {
  readonly id: string;
  readonly trustDomain: string;
}

export function uriSans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}

export function parseSpiffeId(uri: string): PeerId | undefined {
  const match = /^spiffe:\/\/([a-z0-9._-]+)(\/[^?#]*)?$/.exec(uri);
  return match ? { id: uri, trustDomain: match[1] ?? '' } : undefined;
}
