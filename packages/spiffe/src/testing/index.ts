// @ambient/spiffe/testing: ready-made CAs and SVIDs for other packages' tests (HBONE, ztunnel, ambientd).
import { X509Certificate } from 'node:crypto';
import { CertificateAuthority } from '../ca.js';
import type { Svid } from '../svid.js';
import { certificateInfo } from '../x509/certificate.js';
import { caCertificate } from '../x509/issue.js';
import { generateKeyPair, spkiOf } from '../x509/keys.js';
import { toPem } from '../pem.js';

export interface TestCaOptions {
  readonly trustDomain?: string;
  /** A fixed or moving clock (ms): e.g. `() => Date.now() - 2 * 86_400_000` issues already-expired leaves. */
  readonly clock?: () => number;
}

/** A fresh self-signed root CA in memory (default trust domain `cluster.local`). */
export function createTestCa(options: TestCaOptions = {}): CertificateAuthority {
  return CertificateAuthority.createRoot({ trustDomain: options.trustDomain ?? 'cluster.local', clock: options.clock });
}

/** A CA whose signing certificate is an intermediate under a fresh root (chains of three). */
export function createTestIntermediateCa(options: TestCaOptions = {}): CertificateAuthority {
  const trustDomain = options.trustDomain ?? 'cluster.local';
  const now = (options.clock ?? Date.now)();
  const notBefore = new Date(now - 3_600_000);
  const notAfter = new Date(now + 365 * 86_400_000);
  const root = generateKeyPair().privateKey;
  const rootDer = caCertificate({ spki: spkiOf(root), organization: trustDomain, notBefore, notAfter, key: root });
  const intermediate = generateKeyPair().privateKey;
  const der = caCertificate({
    spki: spkiOf(intermediate),
    organization: `${trustDomain} intermediate`,
    notBefore,
    notAfter,
    issuer: { subject: certificateInfo(new X509Certificate(rootDer)).subject, spki: spkiOf(root) },
    key: root,
  });
  const caCertPem = toPem(der, 'CERTIFICATE');
  const rootCertPem = toPem(rootDer, 'CERTIFICATE');
  return CertificateAuthority.fromMaterial(
    { caCertPem, caKeyPem: intermediate.export({ type: 'pkcs8', format: 'pem' }) as string, rootCertPem, certChainPem: caCertPem + rootCertPem },
    { trustDomain, clock: options.clock },
  );
}

/** An SVID for `identity` from `ca` (default: a fresh test CA of the identity's trust domain). */
export function issueTestSvid(identity: string, ca?: CertificateAuthority, ttlSeconds?: number): Svid {
  const issuer = ca ?? createTestCa({ trustDomain: new URL(identity).host });
  return issuer.issueSvid(identity, { ttlSeconds });
}
