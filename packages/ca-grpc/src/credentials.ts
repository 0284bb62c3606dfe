// Server credentials for the CA port that request — but do not require — a client certificate, so a caller may
// authenticate with a bearer token or with its SVID.
import { experimental, type ServerCredentials } from '@grpc/grpc-js';

export interface CaServerTls {
  /** Serving certificate chain (leaf first) and key, PEM. */
  readonly certChainPem: string;
  readonly keyPem: string;
  /** Roots client certificates are asked to chain to (the CA service verifies them itself). */
  readonly clientRootPem: string;
}

/**
 * grpc-js's `ServerCredentials.createSsl` can only require client certificates or not ask for them; its
 * certificate-provider credentials can ask without requiring. grpc-js then exposes the client's leaf through
 * `call.getAuthContext()` only when TLS verified it against `clientRootPem`; an unverifiable one looks like no
 * certificate at all. The authenticator still checks the leaf (trust domain, lifetime, usage).
 */
export function requestClientCertCredentials(tls: CaServerTls): ServerCredentials {
  const provider: experimental.CertificateProvider = {
    // Updates must arrive after addListener returns: grpc-js registers its own watcher only afterwards.
    addCaCertificateListener: (listener) => queueMicrotask(() => listener({ caCertificate: Buffer.from(tls.clientRootPem) })),
    removeCaCertificateListener: () => undefined,
    addIdentityCertificateListener: (listener) =>
      queueMicrotask(() => listener({ certificate: Buffer.from(tls.certChainPem), privateKey: Buffer.from(tls.keyPem) })),
    removeIdentityCertificateListener: () => undefined,
  };
  // One provider serves both roles: grpc-js 1.14 passes the two providers to its constructor in swapped order.
  return experimental.createCertificateProviderServerCredentials(provider, provider, false);
}
