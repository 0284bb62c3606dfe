// Turns an SVID into the PEM strings Node's tls options take (`key`, `cert`, `ca`).
import type { Svid } from './svid.js';

export interface TlsMaterial {
  /** PKCS#8 private key. */
  readonly key: string;
  /** Leaf then intermediates: what the peer needs to build a path to our root. */
  readonly cert: string;
  /** The trust bundle: the roots peers must chain to. */
  readonly ca: string;
  /**
   * PEM certificate revocation lists: a peer whose certificate one of them revokes is refused in the handshake.
   * OpenSSL then wants a current CRL from the issuer of every certificate in a peer's chain.
   */
  readonly crl?: string;
}

/** `{ key, cert, ca }` for `tls.createSecureContext`/`tls.connect`/`http2.createSecureServer` from an SVID. */
export function tlsMaterialFromSvid(svid: Svid): TlsMaterial {
  return {
    key: svid.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: svid.certChain.map((c) => c.toString()).join(''),
    ca: svid.roots.map((c) => c.toString()).join(''),
  };
}
