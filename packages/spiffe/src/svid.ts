// An X.509-SVID held by a workload or node proxy: private key, leaf + intermediates, and the roots it trusts.
import { X509Certificate, type KeyObject } from 'node:crypto';
import { verifyChain } from './chain.js';
import { SpiffeError } from './errors.js';
import { pemBlocks } from './pem.js';
import { certificateInfo } from './x509/certificate.js';
import { spkiOf } from './x509/keys.js';

export interface Svid {
  /** The SPIFFE ID in the leaf's URI SAN. */
  readonly identity: string;
  readonly privateKey: KeyObject;
  /** Leaf first, then intermediates; no root. */
  readonly certChain: readonly X509Certificate[];
  /** The trust bundle that came with it (one or more roots). */
  readonly roots: readonly X509Certificate[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface SvidCheck {
  /** The identity asked for; the leaf's first URI SAN must equal it. */
  readonly identity: string;
  readonly now?: Date;
  /** When set, the chain must end at one of these roots, not just the roots in the response. */
  readonly trustAnchors?: readonly X509Certificate[];
}

const parse = (pem: string): X509Certificate[] => pemBlocks(pem, 'CERTIFICATE').map((der) => new X509Certificate(der));

/**
 * Builds an SVID from an Istio CA response (`cert_chain`: leaf first, root bundle last) and the key the CSR was
 * made with. Checks that the chain verifies, that its first URI SAN is the identity asked for and that the
 * leaf carries this key; throws SpiffeError otherwise.
 */
export function svidFromCertChain(privateKey: KeyObject, certChainPem: readonly string[], check: SvidCheck): Svid {
  if (certChainPem.length < 2) {
    throw new SpiffeError('SPIFFE_ERR_CHAIN_EMPTY', `the CA returned ${certChainPem.length} chain elements; expected leaf … root`);
  }
  let certChain: X509Certificate[];
  let roots: X509Certificate[];
  try {
    certChain = certChainPem.slice(0, -1).flatMap(parse);
    roots = parse(certChainPem.at(-1) as string);
  } catch (err) {
    if (err instanceof SpiffeError) throw err;
    throw new SpiffeError('SPIFFE_ERR_BAD_DER', `the CA returned an unreadable certificate: ${(err as Error).message}`, { cause: err });
  }
  const anchors = check.trustAnchors ?? roots;
  const path = verifyChain(certChain, anchors, { now: check.now });
  const leaf = path[0] as X509Certificate;
  const info = certificateInfo(leaf);
  if (info.uris[0] !== check.identity) {
    throw new SpiffeError('SPIFFE_ERR_IDENTITY_MISMATCH', `the CA issued '${info.uris[0] ?? 'no URI SAN'}' but '${check.identity}' was asked for`);
  }
  if (!spkiOf(leaf.publicKey).equals(spkiOf(privateKey))) {
    throw new SpiffeError('SPIFFE_ERR_KEY_MISMATCH', 'the issued certificate does not carry the key the CSR was made with');
  }
  return { identity: check.identity, privateKey, certChain, roots, notBefore: info.notBefore, notAfter: info.notAfter };
}
