// Peer identity checks for HBONE, through @ambient/spiffe's verification (reference §2.1): the server accepts a
// client whose first SPIFFE URI SAN is in its own trust domain; the client accepts a server carrying one of the
// expected identities. OpenSSL has checked the chain and EKU in the handshake already; this re-checks the path
// against the trust bundle and decides on the identity.
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { certificateInfo, parseSpiffeId, peerChainFromTls, verifyPeerChain, type TlsMaterial } from '@ambient/spiffe';

export type { TlsMaterial } from '@ambient/spiffe';

/** Server side: the client's SPIFFE ID, or why it is refused. */
export function serverPeerIdentity(socket: TLSSocket, own: TlsMaterial): { identity: string } | { error: string } {
  const chain = peerChainFromTls(socket.getPeerCertificate(true));
  if (chain.length === 0) return { error: 'no client certificate' };
  const verdict = verifyPeerChain(chain, own.ca, { mode: 'server', trustDomain: trustDomainOf(own.cert) });
  return verdict.ok ? { identity: verdict.identity.uri } : { error: verdict.error.message };
}

/** Client side, for tls `checkServerIdentity`: undefined when the server is one of the expected identities. */
export function checkServerIdentity(peer: DetailedPeerCertificate, own: TlsMaterial, expected: readonly string[]): string | undefined {
  const verdict = verifyPeerChain(peerChainFromTls(peer), own.ca, { mode: 'client', expectedIdentities: expected });
  return verdict.ok ? undefined : verdict.error.message;
}

/** The SPIFFE ID in our own certificate (the first SPIFFE URI SAN of the leaf). */
export function identityOf(material: TlsMaterial): string {
  const uri = certificateInfo(new X509Certificate(material.cert)).uris.find((u) => u.startsWith('spiffe://'));
  if (!uri) throw new Error('the HBONE certificate has no SPIFFE URI SAN');
  return parseSpiffeId(uri).uri;
}

const trustDomains = new Map<string, string>();

function trustDomainOf(certPem: string): string {
  let td = trustDomains.get(certPem);
  if (td === undefined) {
    td = parseSpiffeId(identityOf({ cert: certPem, key: '', ca: '' })).trustDomain;
    trustDomains.set(certPem, td);
  }
  return td;
}
