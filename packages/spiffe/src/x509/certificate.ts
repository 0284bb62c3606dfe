// Reads the fields of an X.509 certificate that chain and identity checks need, from its DER.
import { X509Certificate } from 'node:crypto';
import { children, decodeTime, expect, readDer, type DerNode } from '../der/reader.js';
import { SpiffeError } from '../errors.js';
import { pemBlocks } from '../pem.js';
import { parseExtensions, type ExtensionInfo } from './extensions.js';

export interface CertificateInfo extends ExtensionInfo {
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The DER of the subject Name, byte for byte (a leaf's issuer field copies it). */
  readonly subject: Buffer;
  readonly issuer: Buffer;
}

const cache = new WeakMap<X509Certificate, CertificateInfo>();

/** Parses the TBSCertificate; malformed input throws SPIFFE_ERR_BAD_DER. */
export function certificateInfo(cert: X509Certificate): CertificateInfo {
  const hit = cache.get(cert);
  if (hit) return hit;
  const parts = children(expect(readDer(cert.raw), 0x30, 'certificate'));
  const tbs = children(expect(parts[0], 0x30, 'TBSCertificate'));
  const offset = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const field = (i: number): DerNode | undefined => tbs[offset + i];
  const validity = children(expect(field(3), 0x30, 'validity'));
  const extWrapper = tbs.slice(offset + 6).find((n) => n.tag === 0xa3);
  const info: CertificateInfo = {
    ...parseExtensions(extWrapper ? children(extWrapper)[0] : undefined),
    issuer: expect(field(2), 0x30, 'issuer').raw,
    notBefore: decodeTime(validity[0] as DerNode),
    notAfter: decodeTime(validity[1] as DerNode),
    subject: expect(field(4), 0x30, 'subject').raw,
  };
  cache.set(cert, info);
  return info;
}

/** Certificates from DER buffers, PEM text or X509Certificate objects; bad input throws a typed error. */
export function toCertificates(input: string | readonly (X509Certificate | Buffer | Uint8Array)[]): X509Certificate[] {
  const items = typeof input === 'string' ? pemBlocks(input, 'CERTIFICATE') : input;
  return items.map((item) => {
    if (item instanceof X509Certificate) return item;
    try {
      return new X509Certificate(Buffer.from(item));
    } catch (err) {
      throw new SpiffeError('SPIFFE_ERR_BAD_DER', `not an X.509 certificate: ${(err as Error).message}`, { cause: err });
    }
  });
}
