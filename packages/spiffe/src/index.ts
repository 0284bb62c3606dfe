// @ambient/spiffe: SPIFFE identities, X.509-SVIDs, the mesh CA, the CA service logic, the secret manager, peer verification.
//
// Stable API for HBONE and other TLS users:
//   verifyPeerChain(chain, trustBundle, { mode: 'server', trustDomain } | { mode: 'client', expectedIdentities })
//     → { ok: true, identity, chain } | { ok: false, error: SpiffeError }
//   peerChainFromTls(socket.getPeerCertificate(true)) → DER chain, leaf first
//   tlsMaterialFromSvid(svid) → { key, cert, ca } PEM strings for Node's tls options
export { SpiffeError, SPIFFE_ERROR_CODES } from './errors.js';
export type { SpiffeErrorCode } from './errors.js';
export { parseSpiffeId, parseIstioIdentity, parseTrustDomain, formatIstioIdentity, isSpiffeId } from './spiffe-id.js';
export type { SpiffeId } from './spiffe-id.js';
export { pemBlocks, toPem } from './pem.js';
export { generateKeyPair } from './x509/keys.js';
export type { KeyPair } from './x509/keys.js';
export { createCsr, parseCsr } from './csr.js';
export type { CsrInfo } from './csr.js';
export { certificateInfo, toCertificates } from './x509/certificate.js';
export type { CertificateInfo } from './x509/certificate.js';
export { verifyChain } from './chain.js';
export { parseCrl, parseCrlPem, revocationKey, crlSignedBy, RevocationLists } from './crl.js';
export type { Crl, RevokedCertificate, RevokedInChain } from './crl.js';
export type { ChainCheck, CertificatePurpose } from './chain.js';
export {
  CertificateAuthority,
  DEFAULT_CERT_TTL_SECONDS,
  MAX_CERT_TTL_SECONDS,
  CLOCK_SKEW_SECONDS,
  ROOT_TTL_SECONDS,
} from './ca.js';
export type { CaMaterial, CaOptions, SignOptions, ServingCertificate, ServingCertificateOptions } from './ca.js';
export { CA_FILES, openCaDirectory, loadCaDirectory, writeCaDirectory } from './ca-directory.js';
export { svidFromCertChain } from './svid.js';
export type { Svid, SvidCheck } from './svid.js';
export { verifyPeerChain, peerChainFromTls } from './peer-verification.js';
export type { PeerVerificationOptions, PeerVerdict, CertificatesInput, PeerCertificateLike } from './peer-verification.js';
export { tlsMaterialFromSvid } from './tls-material.js';
export type { TlsMaterial } from './tls-material.js';
export { createToken, verifyToken, generateTokenKey, tokenKeyFromPem, DEFAULT_TOKEN_AUDIENCE, TOKEN_LEEWAY_SECONDS } from './tokens.js';
export type { TokenClaims, CreateTokenOptions, VerifyTokenOptions } from './tokens.js';
export { TOKEN_KEY_FILE, openTokenKey, loadTokenKey } from './token-key-file.js';
export { mintToken, parseDuration } from './token-mint.js';
export type { MintTokenOptions } from './token-mint.js';
export { tokenAuthenticator, svidAuthenticator, anyAuthenticator, NO_CREDENTIAL } from './authenticators.js';
export type {
  Authenticator,
  AuthResult,
  Caller,
  CallerCredentials,
  TokenAuthenticatorOptions,
  SvidAuthenticatorOptions,
} from './authenticators.js';
export { createCaService } from './ca-service.js';
export type { CaService, CaServiceOptions, CertificateRequest, CertificateResult, RefusalStatus } from './ca-service.js';
export { SecretManager } from './secret-manager.js';
export type {
  FetchSvid,
  FetchPriority,
  Timers,
  SecretManagerOptions,
  CertificateState,
  CertificateStatus,
} from './secret-manager.js';
