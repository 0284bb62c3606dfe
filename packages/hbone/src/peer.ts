// Peer identity checks for HBONE, after OpenSSL has verified the chain against the trust bundle:
// the server requires a client SPIFFE ID in its own trust domain; the client requires one of the expected IDs.
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { parseSpiffeId, uriSans } from './spiffe-ids.js';

/** PEM material Node's tls options take: the certificate chain (leaf first), its key and the trust bundle. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** Server side: the peer's identity (its first URI SAN that is a SPIFFE ID), which must share our trust domain. */
export function serverPeerIdentity(socket: TLSSocket, own: TlsMaterial): { identity: string } | { error: string } {
  const peer = socket.getPeerX509Certificate();
  if (!peer) return { error: 'no client certificate' };
  const identity = uriSans(peer).map(parseSpiffeId).find((id) => id !== undefined);
  if (!identity) return { error: 'client certificate has no SPIFFE ID URI SAN' };
  const ownTrustDomain = trustDomainOf(own.cert);
  if (ownTrustDomain !== undefined && identity.trustDomain !== ownTrustDomain) {
    return { error: `client identity ${identity.id} is not in trust domain ${ownTrustDomain}` };
  }
  return { identity: identity.id };
}

/** Client side: undefined when any URI SAN of the server's leaf is one of the expected identities. */
export function checkServerIdentity(leaf: X509Certificate, expected: readonly string[]): string | undefined {
  const sans = uriSans(leaf);
  if (expected.length === 0) return 'no expected identity was given for this destination';
  if (sans.some((san) => expected.includes(san))) return undefined;
  return `server identity [${sans.join(', ')}] is none of the expected [${expected.join(', ')}]`;
}

const trustDomains = new Map<string, string | undefined>();

function trustDomainOf(certPem: string): string | undefined {
  if (!trustDomains.has(certPem)) {
    const leaf = new X509Certificate(certPem);
    trustDomains.set(certPem, uriSans(leaf).map(parseSpiffeId).find((id) => id !== undefined)?.trustDomain);
  }
  return trustDomains.get(certPem);
}
