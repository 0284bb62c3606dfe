// Reads the fields of an X.509 certificate that chain and identity checks need, from its DER.
import { X509Certificate, type KeyObject } from 'node:crypto';
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

/** Bounded LRU: peers reconnect with the same certificates, and decoding one costs as much as a signature check. */
class LruCache<V> {
  readonly #max: number;
  readonly #map = new Map<string, V>();
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }
}

const derCache = new LruCache<X509Certificate>(1024);
const pemCache = new LruCache<X509Certificate[]>(32);

function fromDer(bytes: Buffer | Uint8Array): X509Certificate {
  const der = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const key = der.toString('latin1');
  const hit = derCache.get(key);
  if (hit) return hit;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (err) {
    throw new SpiffeError('SPIFFE_ERR_BAD_DER', `not an X.509 certificate: ${(err as Error).message}`, { cause: err });
  }
  derCache.set(key, cert);
  return cert;
}

/** Certificates from DER buffers, PEM text or X509Certificate objects; bad input throws a typed error. */
export function toCertificates(input: string | readonly (X509Certificate | Buffer | Uint8Array)[]): X509Certificate[] {
  if (typeof input === 'string') {
    const hit = pemCache.get(input);
    if (hit) return [...hit];
    const certs = pemBlocks(input, 'CERTIFICATE').map(fromDer);
    pemCache.set(input, certs);
    return [...certs];
  }
  return input.map((item) => (item instanceof X509Certificate ? item : fromDer(item)));
}

const keyCache = new WeakMap<X509Certificate, KeyObject>();

/** The certificate's public key, decoded once per certificate object. */
export function publicKeyOf(cert: X509Certificate): KeyObject {
  let key = keyCache.get(cert);
  if (!key) {
    key = cert.publicKey;
    keyCache.set(cert, key);
  }
  return key;
}
