// Who is calling the CA: a bearer token signed by the control plane, or a client SVID from the mesh CA.
import type { KeyObject } from 'node:crypto';
import { SpiffeError } from './errors.js';
import { verifyPeerChain, type CertificatesInput } from './peer-verification.js';
import { formatIstioIdentity } from './spiffe-id.js';
import { verifyToken } from './tokens.js';

/** What the transport learned about the caller; the CA service logic never sees a socket. */
export interface CallerCredentials {
  /** The `authorization: Bearer …` value, if any. */
  readonly bearerToken?: string;
  /** The client certificate chain presented in the TLS handshake (DER, leaf first), if any. */
  readonly peerCertificates?: readonly Buffer[];
}

export interface Caller {
  /** spiffe://<td>/ns/<ns>/sa/<sa> */
  readonly identity: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The node a node proxy runs on (tokens only). */
  readonly node?: string;
  readonly via: 'token' | 'svid';
}

/** The refusal when a call carries neither a token nor a client certificate. */
export const NO_CREDENTIAL = 'no credential: send authorization: Bearer <token> or a client certificate';

export type AuthResult = { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly reason: string };

/** Returns undefined when the credential kind it checks is absent, so several can be chained. */
export type Authenticator = (credentials: CallerCredentials) => AuthResult | undefined;

export interface TokenAuthenticatorOptions {
  /** The control plane's token key (public or private). */
  readonly key: KeyObject;
  readonly trustDomain: string;
  readonly audience?: string;
  readonly clock?: () => number;
}

export function tokenAuthenticator(options: TokenAuthenticatorOptions): Authenticator {
  return ({ bearerToken }) => {
    if (bearerToken === undefined) return undefined;
    try {
      const claims = verifyToken(bearerToken, options.key, { audience: options.audience, clock: options.clock });
      const identity = formatIstioIdentity(options.trustDomain, claims.namespace, claims.serviceAccount);
      const caller: Caller = { identity, namespace: claims.namespace, serviceAccount: claims.serviceAccount, via: 'token' };
      return { ok: true, caller: claims.node === undefined ? caller : { ...caller, node: claims.node } };
    } catch (err) {
      if (err instanceof SpiffeError) return { ok: false, reason: err.message };
      throw err;
    }
  };
}

export interface SvidAuthenticatorOptions {
  readonly trustDomain: string;
  /** Roots the client SVID must chain to. */
  readonly trustBundle: CertificatesInput;
  /** Intermediates to complete a chain when the transport exposes only the leaf (grpc-js does). */
  readonly intermediates?: readonly Buffer[];
  readonly clock?: () => number;
}

/** Authenticates a caller by a client SVID of this trust domain with an Istio ns/sa identity. */
export function svidAuthenticator(options: SvidAuthenticatorOptions): Authenticator {
  return ({ peerCertificates }) => {
    if (!peerCertificates || peerCertificates.length === 0) return undefined;
    const now = options.clock ? new Date(options.clock()) : undefined;
    const chain = [...peerCertificates, ...(options.intermediates ?? [])];
    const verdict = verifyPeerChain(chain, options.trustBundle, { mode: 'server', trustDomain: options.trustDomain, now });
    if (!verdict.ok) return { ok: false, reason: `client certificate refused: ${verdict.error.message}` };
    const { namespace, serviceAccount, uri } = verdict.identity;
    if (namespace === undefined || serviceAccount === undefined) {
      return { ok: false, reason: `client certificate identity ${uri} is not of the form /ns/<ns>/sa/<sa>` };
    }
    return { ok: true, caller: { identity: uri, namespace, serviceAccount, via: 'svid' } };
  };
}

/** Tries each authenticator in order and takes the first success; with none, the refusals' reasons are joined. */
export function anyAuthenticator(...authenticators: readonly Authenticator[]): Authenticator {
  return (credentials) => {
    const reasons: string[] = [];
    for (const authenticate of authenticators) {
      const result = authenticate(credentials);
      if (result?.ok) return result;
      if (result) reasons.push(result.reason);
    }
    const reason = reasons.join('; ') || NO_CREDENTIAL;
    return { ok: false, reason };
  };
}
