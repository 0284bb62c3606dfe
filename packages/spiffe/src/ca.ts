// The mesh certificate authority: a root (or intermediate) key and chain that issue X.509-SVID leaves.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { verifyChain } from './chain.js';
import { parseCsr } from './csr.js';
import { SpiffeError } from './errors.js';
import { pemBlocks, toPem } from './pem.js';
import { parseSpiffeId, parseTrustDomain } from './spiffe-id.js';
import type { Svid } from './svid.js';
import { certificateInfo } from './x509/certificate.js';
import type { SubjectAltNames } from './x509/extensions.js';
import { caCertificate, LeafIssuer } from './x509/issue.js';
import { generateKeyPair, spkiOf } from './x509/keys.js';

/** Istio's DEFAULT_WORKLOAD_CERT_TTL (24 h), used when a request asks for none. */
export const DEFAULT_CERT_TTL_SECONDS = 24 * 3600;
/** Istio's MAX_WORKLOAD_CERT_TTL (90 days); longer requests are clamped. */
export const MAX_CERT_TTL_SECONDS = 90 * 24 * 3600;
/** Leaves start this far in the past so peers with a slow clock accept them. */
export const CLOCK_SKEW_SECONDS = 5 * 60;
/** Lifetime of a root this package creates (Istio's self-signed root default is 10 years). */
export const ROOT_TTL_SECONDS = 10 * 365 * 24 * 3600;

/** The four files of Istio's plug-in CA layout, as text. */
export interface CaMaterial {
  /** `ca-cert.pem`: the certificate of the signing key. */
  readonly caCertPem: string;
  /** `ca-key.pem`: the signing key (PKCS#8, SEC1 or PKCS#1 PEM). */
  readonly caKeyPem: string;
  /** `root-cert.pem`: the trust bundle, one or more roots. */
  readonly rootCertPem: string;
  /** `cert-chain.pem`: ca-cert followed by its intermediates (roots in it are ignored). */
  readonly certChainPem: string;
}

export interface CaOptions {
  readonly trustDomain: string;
  /** Milliseconds since the epoch; tests inject one. */
  readonly clock?: () => number;
}

export interface SignOptions {
  /** The SPIFFE ID to issue; the CSR's only SAN must be exactly this. */
  readonly identity: string;
  /** Requested lifetime; ≤ 0 or absent means 24 h, more than 90 days is clamped. */
  readonly ttlSeconds?: number;
}

export interface ServingCertificateOptions {
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly identity?: string;
  readonly ttlSeconds?: number;
}

export interface ServingCertificate {
  readonly keyPem: string;
  /** Leaf then intermediates. */
  readonly certChainPem: string;
  readonly rootPem: string;
  readonly notAfter: Date;
}

const certsOf = (pem: string): X509Certificate[] => pemBlocks(pem, 'CERTIFICATE').map((der) => new X509Certificate(der));

function badMaterial(what: string, cause?: unknown): never {
  throw new SpiffeError('SPIFFE_ERR_CA_MATERIAL', `CA material is unusable: ${what}`, { cause });
}

function readMaterial(material: CaMaterial): { key: KeyObject; caCert: X509Certificate; roots: X509Certificate[]; chain: X509Certificate[] } {
  try {
    return {
      key: createPrivateKey(material.caKeyPem),
      caCert: certsOf(material.caCertPem)[0] as X509Certificate,
      roots: certsOf(material.rootCertPem),
      chain: material.certChainPem.trim() === '' ? [] : certsOf(material.certChainPem),
    };
  } catch (err) {
    badMaterial((err as Error).message, err);
  }
}

export class CertificateAuthority {
  readonly trustDomain: string;
  readonly material: CaMaterial;
  readonly roots: readonly X509Certificate[];
  readonly caCertificate: X509Certificate;
  readonly #issuer: LeafIssuer;
  readonly #chainTail: readonly string[];
  readonly #caNotAfter: Date;
  readonly #clock: () => number;

  private constructor(material: CaMaterial, options: CaOptions) {
    this.trustDomain = parseTrustDomain(options.trustDomain);
    this.#clock = options.clock ?? Date.now;
    this.material = material;
    const { key, caCert, roots, chain } = readMaterial(material);
    this.caCertificate = caCert;
    this.roots = roots;
    if (!spkiOf(key).equals(spkiOf(this.caCertificate.publicKey))) badMaterial('ca-key.pem does not match ca-cert.pem');
    const info = certificateInfo(this.caCertificate);
    if (!info.isCa) badMaterial('ca-cert.pem is not a CA certificate (basicConstraints CA:FALSE)');
    const isRoot = (c: X509Certificate): boolean => this.roots.some((r) => r.raw.equals(c.raw));
    const intermediates = [this.caCertificate, ...chain].filter((c, i, all) => !isRoot(c) && all.findIndex((o) => o.raw.equals(c.raw)) === i);
    if (!isRoot(this.caCertificate)) {
      try {
        verifyChain([this.caCertificate, ...intermediates.slice(1)], this.roots, { now: new Date(this.#clock()), caLeaf: true });
      } catch (err) {
        badMaterial(`ca-cert.pem does not chain to root-cert.pem (${(err as Error).message})`, err);
      }
    }
    this.#caNotAfter = info.notAfter;
    this.#issuer = new LeafIssuer(info.subject, spkiOf(this.caCertificate.publicKey), key);
    this.#chainTail = [...intermediates.map((c) => c.toString()), material.rootCertPem];
  }

  /** A new self-signed P-256 root, subject `O=<trust domain>`. */
  static createRoot(options: CaOptions & { readonly rootTtlSeconds?: number }): CertificateAuthority {
    const now = (options.clock ?? Date.now)();
    const { privateKey } = generateKeyPair();
    const der = caCertificate({
      spki: spkiOf(privateKey),
      organization: parseTrustDomain(options.trustDomain),
      notBefore: new Date(now - CLOCK_SKEW_SECONDS * 1000),
      notAfter: new Date(now + (options.rootTtlSeconds ?? ROOT_TTL_SECONDS) * 1000),
      key: privateKey,
    });
    const certPem = toPem(der, 'CERTIFICATE');
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    return new CertificateAuthority({ caCertPem: certPem, caKeyPem: keyPem, rootCertPem: certPem, certChainPem: certPem }, options);
  }

  /** Loads existing material (root or intermediate CA); inconsistent material throws SPIFFE_ERR_CA_MATERIAL. */
  static fromMaterial(material: CaMaterial, options: CaOptions): CertificateAuthority {
    return new CertificateAuthority(material, options);
  }

  /** The trust bundle as one PEM text (what `root-cert.pem` holds). */
  get rootBundlePem(): string {
    return this.material.rootCertPem;
  }

  /** 24 h when absent or ≤ 0, at most 90 days; a non-number throws SPIFFE_ERR_TTL. */
  clampTtl(ttlSeconds: number | undefined): number {
    if (ttlSeconds === undefined || ttlSeconds <= 0) return DEFAULT_CERT_TTL_SECONDS;
    if (!Number.isFinite(ttlSeconds)) throw new SpiffeError('SPIFFE_ERR_TTL', `requested TTL ${ttlSeconds} is not a number of seconds`);
    return Math.min(Math.floor(ttlSeconds), MAX_CERT_TTL_SECONDS);
  }

  /**
   * Signs a CSR (PEM or DER) for `identity` after checking its signature and that its only SAN is that identity.
   * Returns Istio's `cert_chain`: the leaf, each intermediate, then the root bundle as the last element.
   */
  sign(csr: string | Buffer, options: SignOptions): string[] {
    const identity = this.#checkIdentity(options.identity);
    const request = parseCsr(csr);
    if (request.sanCount !== 1 || request.uris.length !== 1) {
      throw new SpiffeError('SPIFFE_ERR_CSR_SAN_COUNT', `the CSR must carry exactly one SAN, the URI ${identity}; it has ${request.sanCount}`);
    }
    if (request.uris[0] !== identity) {
      throw new SpiffeError('SPIFFE_ERR_CSR_SAN_MISMATCH', `the CSR asks for '${request.uris[0]}' but the caller may only get '${identity}'`);
    }
    return [toPem(this.#issue(request.spki, { uris: [identity] }, options.ttlSeconds), 'CERTIFICATE'), ...this.#chainTail];
  }

  /** Generates a P-256 key and issues its SVID directly, skipping the CSR (fixtures, the control plane's own). */
  issueSvid(identity: string, options: { readonly ttlSeconds?: number } = {}): Svid {
    this.#checkIdentity(identity);
    const { privateKey } = generateKeyPair();
    const leaf = new X509Certificate(this.#issue(spkiOf(privateKey), { uris: [identity] }, options.ttlSeconds));
    const { notBefore, notAfter } = certificateInfo(leaf);
    const intermediates = this.#chainTail.slice(0, -1).map((pem) => new X509Certificate(pem));
    return { identity, privateKey, certChain: [leaf, ...intermediates], roots: this.roots, notBefore, notAfter };
  }

  /**
   * A TLS serving certificate from the mesh CA (the control plane's gRPC port): DNS and IP SANs, optionally a
   * SPIFFE ID too. Returns PEM ready for `@ambient/grpc` serverCredentials.
   */
  issueServingCertificate(options: ServingCertificateOptions): ServingCertificate {
    if (options.identity !== undefined) this.#checkIdentity(options.identity);
    const { privateKey } = generateKeyPair();
    const names = { dnsNames: options.dnsNames ?? [], ipAddresses: options.ipAddresses ?? [], uris: options.identity ? [options.identity] : [] };
    const leaf = new X509Certificate(this.#issue(spkiOf(privateKey), names, options.ttlSeconds));
    return {
      keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      certChainPem: [leaf.toString(), ...this.#chainTail.slice(0, -1)].join(''),
      rootPem: this.rootBundlePem,
      notAfter: certificateInfo(leaf).notAfter,
    };
  }

  #checkIdentity(identity: string): string {
    const id = parseSpiffeId(identity);
    if (id.trustDomain !== this.trustDomain) {
      throw new SpiffeError('SPIFFE_ERR_TRUST_DOMAIN_MISMATCH', `${identity} is not in this CA's trust domain '${this.trustDomain}'`);
    }
    return id.uri;
  }

  #issue(spki: Buffer, names: SubjectAltNames, ttlSeconds: number | undefined): Buffer {
    const now = this.#clock();
    const notAfter = Math.min(now + this.clampTtl(ttlSeconds) * 1000, this.#caNotAfter.getTime());
    return this.#issuer.issue({ spki, names, notBefore: new Date(now - CLOCK_SKEW_SECONDS * 1000), notAfter: new Date(notAfter) });
  }
}
