// HBONE peer verification (Istio ztunnel's rules): chain to the trust bundle, then the SPIFFE identity check of
// the side doing the verifying — a server accepts any client of its own trust domain, a client only the
// identities it expects.
import type { X509Certificate } from 'node:crypto';
import { verifyChain } from './chain.js';
import { SpiffeError } from './errors.js';
import { isSpiffeId, parseSpiffeId, type SpiffeId } from './spiffe-id.js';
import { certificateInfo, toCertificates } from './x509/certificate.js';

/** Certificates as Node objects, DER buffers or PEM text; leaf first. */
export type CertificatesInput = string | readonly (X509Certificate | Buffer | Uint8Array)[];

export type PeerVerificationOptions = (
  | {
      /** We are the HBONE server checking a client: its identity must be in `trustDomain`. */
      readonly mode: 'server';
      readonly trustDomain: string;
    }
  | {
      /** We are the HBONE client checking a server: one of its URI SANs must be one of `expectedIdentities`. */
      readonly mode: 'client';
      readonly expectedIdentities: readonly string[];
    }
) & { readonly now?: Date };

export type PeerVerdict =
  | { readonly ok: true; readonly identity: SpiffeId; readonly chain: readonly X509Certificate[] }
  | { readonly ok: false; readonly error: SpiffeError };

function peerIdentity(uris: readonly string[], options: PeerVerificationOptions): SpiffeId {
  const spiffe = uris.filter(isSpiffeId);
  if (spiffe.length === 0) {
    throw new SpiffeError('SPIFFE_ERR_NO_IDENTITY', `the peer certificate has no SPIFFE URI SAN (URIs: ${uris.join(', ') || 'none'})`);
  }
  if (options.mode === 'server') {
    const identity = parseSpiffeId(spiffe[0] as string);
    if (identity.trustDomain !== options.trustDomain) {
      throw new SpiffeError(
        'SPIFFE_ERR_TRUST_DOMAIN_MISMATCH',
        `peer ${identity.uri} is in trust domain '${identity.trustDomain}', not '${options.trustDomain}'`,
      );
    }
    return identity;
  }
  const match = spiffe.find((uri) => options.expectedIdentities.includes(uri));
  if (!match) {
    throw new SpiffeError(
      'SPIFFE_ERR_IDENTITY_MISMATCH',
      `peer is ${spiffe.join(', ')}; expected ${options.expectedIdentities.join(' or ') || '(no identity)'}`,
    );
  }
  return parseSpiffeId(match);
}

/**
 * Verifies a peer's chain (leaf first) against the trust bundle and returns its SPIFFE identity, or the typed
 * reason it is refused. Never throws for bad input: malformed certificates come back as `ok: false`.
 */
export function verifyPeerChain(chain: CertificatesInput, trustBundle: CertificatesInput, options: PeerVerificationOptions): PeerVerdict {
  try {
    const certs = toCertificates(chain);
    const path = verifyChain(certs, toCertificates(trustBundle), {
      now: options.now,
      purpose: options.mode === 'server' ? 'clientAuth' : 'serverAuth',
    });
    const identity = peerIdentity(certificateInfo(path[0] as X509Certificate).uris, options);
    return { ok: true, identity, chain: path };
  } catch (err) {
    if (err instanceof SpiffeError) return { ok: false, error: err };
    return { ok: false, error: new SpiffeError('SPIFFE_ERR_BAD_DER', `unreadable peer certificate: ${(err as Error).message}`, { cause: err }) };
  }
}

/** The shape of Node's `tls.DetailedPeerCertificate` we need (kept structural: this package knows no sockets). */
export interface PeerCertificateLike {
  readonly raw?: Buffer;
  readonly issuerCertificate?: PeerCertificateLike;
}

/** The chain a TLS peer presented, as DER, from `socket.getPeerCertificate(true)`; leaf first. */
export function peerChainFromTls(peer: PeerCertificateLike | undefined): Buffer[] {
  const chain: Buffer[] = [];
  for (let cert = peer; cert?.raw && cert.raw.length > 0; cert = cert.issuerCertificate) {
    if (chain.some((c) => c.equals(cert?.raw as Buffer))) break; // a self-signed root points at itself
    chain.push(cert.raw);
  }
  return chain;
}
