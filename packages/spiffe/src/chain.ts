// Certificate path validation against a trust bundle: signatures, validity windows, CA flags and key usage.
import type { X509Certificate } from 'node:crypto';
import { SpiffeError } from './errors.js';
import { certificateInfo, publicKeyOf } from './x509/certificate.js';
import { KEY_USAGE, OID } from './x509/oids.js';

export type CertificatePurpose = 'serverAuth' | 'clientAuth';

export interface ChainCheck {
  /** Defaults to the current time. */
  readonly now?: Date;
  /** When set, the leaf's extended key usage (if it has one) must allow it. */
  readonly purpose?: CertificatePurpose;
  /** Accept a CA certificate as the first element (checking a CA's own chain rather than a workload's). */
  readonly caLeaf?: boolean;
}

const MAX_DEPTH = 8;

function describe(cert: X509Certificate): string {
  const info = certificateInfo(cert);
  return info.uris[0] ?? (cert.subject.replace(/\n/g, ', ') || `serial ${cert.serialNumber}`);
}

function checkValidity(cert: X509Certificate, now: Date): void {
  const { notBefore, notAfter } = certificateInfo(cert);
  if (now < notBefore) {
    throw new SpiffeError('SPIFFE_ERR_CERT_NOT_YET_VALID', `certificate ${describe(cert)} is not valid before ${notBefore.toISOString()} (clock skew?)`);
  }
  if (now > notAfter) {
    throw new SpiffeError('SPIFFE_ERR_CERT_EXPIRED', `certificate ${describe(cert)} expired at ${notAfter.toISOString()}`);
  }
}

function checkLeafUsage(leaf: X509Certificate, check: ChainCheck): void {
  const info = certificateInfo(leaf);
  const purpose = check.purpose;
  if (check.caLeaf) return;
  if (info.isCa) throw new SpiffeError('SPIFFE_ERR_KEY_USAGE', `certificate ${describe(leaf)} is a CA, not a workload certificate`);
  if (info.keyUsage !== undefined && !(info.keyUsage & KEY_USAGE.digitalSignature)) {
    throw new SpiffeError('SPIFFE_ERR_KEY_USAGE', `certificate ${describe(leaf)} lacks the digitalSignature key usage`);
  }
  if (purpose && info.extKeyUsage && !info.extKeyUsage.includes(OID[purpose])) {
    throw new SpiffeError('SPIFFE_ERR_KEY_USAGE', `certificate ${describe(leaf)} is not allowed for ${purpose}`);
  }
}

const issued = (child: X509Certificate, parent: X509Certificate): boolean =>
  child.checkIssued(parent) && child.verify(publicKeyOf(parent));

function canSign(cert: X509Certificate): boolean {
  const info = certificateInfo(cert);
  return info.isCa && (info.keyUsage === undefined || (info.keyUsage & KEY_USAGE.keyCertSign) !== 0);
}

/**
 * Verifies `chain` (leaf first, then intermediates in any order) up to one of `roots`. Returns the path
 * leaf → root; throws SpiffeError (CHAIN_EMPTY, CHAIN_UNTRUSTED, CERT_EXPIRED, CERT_NOT_YET_VALID, KEY_USAGE).
 */
export function verifyChain(
  chain: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  check: ChainCheck = {},
): X509Certificate[] {
  const leaf = chain[0];
  if (!leaf) throw new SpiffeError('SPIFFE_ERR_CHAIN_EMPTY', 'the peer presented no certificate');
  const now = check.now ?? new Date();
  checkLeafUsage(leaf, check);
  const path = [leaf];
  const unused = chain.slice(1);
  for (let current = leaf; path.length <= MAX_DEPTH; ) {
    checkValidity(current, now);
    const root = roots.find((r) => r.raw.equals(current.raw) || issued(current, r));
    if (root) {
      if (!root.raw.equals(current.raw)) {
        checkValidity(root, now);
        path.push(root);
      }
      return path;
    }
    const index = unused.findIndex((c) => canSign(c) && issued(current, c));
    if (index === -1) {
      throw new SpiffeError('SPIFFE_ERR_CHAIN_UNTRUSTED', `certificate ${describe(current)} does not chain to the trust bundle`);
    }
    current = unused.splice(index, 1)[0] as X509Certificate;
    path.push(current);
  }
  throw new SpiffeError('SPIFFE_ERR_CHAIN_UNTRUSTED', `the chain is longer than ${MAX_DEPTH} certificates`);
}
