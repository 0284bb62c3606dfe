// The CA signs CSRs into chains OpenSSL accepts for TLS clients and servers, and issues nothing for bad requests.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CertificateAuthority,
  certificateInfo,
  createCsr,
  DEFAULT_CERT_TTL_SECONDS,
  generateKeyPair,
  MAX_CERT_TTL_SECONDS,
  pemBlocks,
  toPem,
  type SpiffeErrorCode,
} from '../src/index.js';
import { createTestCa, createTestIntermediateCa } from '../src/testing/index.js';
import { openssl, opensslVerify } from './openssl.js';

const ID = 'spiffe://cluster.local/ns/default/sa/echo';
const ca = createTestCa();

function opensslCsr(newkey: string[], san?: string): string {
  const args = ['req', '-new', ...newkey, '-nodes', '-keyout', 'key.pem', '-subj', '/CN=ignored'];
  if (san) args.push('-addext', `subjectAltName=${san}`);
  const { status, output } = openssl(args);
  expect(status, output).toBe(0);
  return output;
}
const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

function refusal(fn: () => unknown): SpiffeErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: SpiffeErrorCode }).code;
  }
  return undefined;
}

describe('CertificateAuthority.sign', () => {
  const chain = ca.sign(createCsr(ID, generateKeyPair().privateKey), { identity: ID });

  it('returns leaf then the root bundle, which openssl verifies for client and server use', () => {
    expect(chain).toHaveLength(2);
    expect(chain[1]).toBe(ca.rootBundlePem);
    expect(opensslVerify('sslclient', chain)).toMatchObject({ status: 0 });
    expect(opensslVerify('sslserver', chain)).toMatchObject({ status: 0 });
  });

  it('writes the SVID profile: URI SAN only, EKU server+client, KU, not a CA, 24 h after 5 min back-dating', () => {
    const text = openssl(['x509', '-noout', '-text', '-in', 'leaf.pem'], { 'leaf.pem': chain[0] as string }).output;
    expect(text).toContain(`URI:${ID}`);
    expect(text).toMatch(/Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/echo\s/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).not.toContain('DNS:');
    const info = certificateInfo(new X509Certificate(chain[0] as string));
    expect((info.notAfter.getTime() - info.notBefore.getTime()) / 1000).toBe(DEFAULT_CERT_TTL_SECONDS + 300);
  });

  it('signs an openssl-made P-256 CSR, ignoring its subject', () => {
    const issued = ca.sign(opensslCsr(P256, `URI:${ID}`), { identity: ID });
    expect(opensslVerify('sslclient', issued)).toMatchObject({ status: 0 });
    const leaf = new X509Certificate(issued[0] as string);
    expect(leaf.subject ?? '').toBe('');
    expect(leaf.subjectAltName).toBe(`URI:${ID}`);
  });

  it('signs an RSA-2048 CSR too (Istio accepts RSA keys)', () => {
    const issued = ca.sign(opensslCsr(['-newkey', 'rsa:2048'], `URI:${ID}`), { identity: ID });
    expect(opensslVerify('sslserver', issued)).toMatchObject({ status: 0 });
  });

  it('clamps the TTL: ≤ 0 means 24 h, more than 90 days is cut to 90 days', () => {
    const lifetime = (ttlSeconds: number): number => {
      const leaf = ca.issueSvid(ID, { ttlSeconds });
      return (leaf.notAfter.getTime() - leaf.notBefore.getTime()) / 1000 - 300;
    };
    expect(lifetime(0)).toBe(DEFAULT_CERT_TTL_SECONDS);
    expect(lifetime(-5)).toBe(DEFAULT_CERT_TTL_SECONDS);
    expect(lifetime(3600)).toBe(3600);
    expect(lifetime(365 * 86400)).toBe(MAX_CERT_TTL_SECONDS);
    expect(refusal(() => ca.clampTtl(Number.NaN))).toBe('SPIFFE_ERR_TTL');
  });

  it('issues through an intermediate CA: leaf, intermediate, root', () => {
    const intermediate = createTestIntermediateCa();
    const issued = intermediate.sign(createCsr(ID, generateKeyPair().privateKey), { identity: ID });
    expect(issued).toHaveLength(3);
    expect(opensslVerify('sslclient', issued)).toMatchObject({ status: 0 });
    expect(opensslVerify('sslclient', [issued[0] as string, issued[2] as string]).status).not.toBe(0);
  });
});

describe('CertificateAuthority.sign refuses bad requests', () => {
  const good = createCsr(ID, generateKeyPair().privateKey);
  const goodDer = pemBlocks(good, 'CERTIFICATE REQUEST')[0] as Buffer;
  const flipped = Buffer.from(goodDer);
  flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 0x01;

  it.each<[string, () => string | Buffer, string, SpiffeErrorCode]>([
    ['garbage text', () => 'not a pem at all', ID, 'SPIFFE_ERR_BAD_PEM'],
    ['a PEM block of garbage DER', () => toPem(Buffer.from('garbage!'), 'CERTIFICATE REQUEST'), ID, 'SPIFFE_ERR_BAD_CSR'],
    ['a truncated CSR', () => goodDer.subarray(0, 60), ID, 'SPIFFE_ERR_BAD_CSR'],
    ['a CSR with a broken signature', () => flipped, ID, 'SPIFFE_ERR_CSR_SIGNATURE'],
    ['a CSR for someone else', () => createCsr('spiffe://cluster.local/ns/default/sa/admin', generateKeyPair().privateKey), ID, 'SPIFFE_ERR_CSR_SAN_MISMATCH'],
    ['a CSR with two SANs', () => opensslCsr(P256, `URI:${ID},DNS:echo.default.svc`), ID, 'SPIFFE_ERR_CSR_SAN_COUNT'],
    ['a CSR with no SAN', () => opensslCsr(P256), ID, 'SPIFFE_ERR_CSR_SAN_COUNT'],
    ['an RSA-1024 key', () => opensslCsr(['-newkey', 'rsa:1024'], `URI:${ID}`), ID, 'SPIFFE_ERR_UNSUPPORTED_KEY'],
    ['an identity in another trust domain', () => good, 'spiffe://evil.org/ns/default/sa/echo', 'SPIFFE_ERR_TRUST_DOMAIN_MISMATCH'],
    ['an identity that is no SPIFFE ID', () => good, 'https://cluster.local/x', 'SPIFFE_ERR_SCHEME'],
  ])('%s', (_name, csr, identity, code) => {
    const input = csr();
    expect(refusal(() => ca.sign(input, { identity }))).toBe(code);
  });
});

describe('CA material', () => {
  it('refuses a key that does not match the certificate', () => {
    const other = createTestCa();
    const code = refusal(() =>
      CertificateAuthority.fromMaterial({ ...ca.material, caKeyPem: other.material.caKeyPem }, { trustDomain: 'cluster.local' }),
    );
    expect(code).toBe('SPIFFE_ERR_CA_MATERIAL');
  });

  it('refuses an intermediate that does not chain to root-cert.pem', () => {
    const intermediate = createTestIntermediateCa();
    const code = refusal(() =>
      CertificateAuthority.fromMaterial({ ...intermediate.material, rootCertPem: ca.rootBundlePem }, { trustDomain: 'cluster.local' }),
    );
    expect(code).toBe('SPIFFE_ERR_CA_MATERIAL');
  });

  it('refuses garbage files and a leaf posing as CA', () => {
    expect(refusal(() => CertificateAuthority.fromMaterial({ ...ca.material, caCertPem: 'junk' }, { trustDomain: 'cluster.local' }))).toBe(
      'SPIFFE_ERR_CA_MATERIAL',
    );
    const svid = ca.issueSvid(ID);
    const leafAsCa = {
      caCertPem: svid.certChain[0]?.toString() ?? '',
      caKeyPem: svid.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      rootCertPem: ca.rootBundlePem,
      certChainPem: '',
    };
    expect(refusal(() => CertificateAuthority.fromMaterial(leafAsCa, { trustDomain: 'cluster.local' }))).toBe('SPIFFE_ERR_CA_MATERIAL');
  });

  it('refuses a bad trust domain', () => {
    expect(refusal(() => CertificateAuthority.createRoot({ trustDomain: 'Cluster.Local' }))).toBe('SPIFFE_ERR_TRUST_DOMAIN_UPPERCASE');
  });
});

describe('CertificateAuthority.issueServingCertificate', () => {
  it('issues DNS and IP SANs that openssl accepts for a TLS server', () => {
    const serving = ca.issueServingCertificate({ dnsNames: ['localhost', 'istiod.istio-system.svc'], ipAddresses: ['127.0.0.1', '::1', '2001:db8::7:1'] });
    expect(opensslVerify('sslserver', [serving.certChainPem, serving.rootPem])).toMatchObject({ status: 0 });
    const text = openssl(['x509', '-noout', '-ext', 'subjectAltName', '-in', 'c.pem'], { 'c.pem': serving.certChainPem }).output;
    expect(text).toContain('DNS:localhost, DNS:istiod.istio-system.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:0:7:1');
    const checked = openssl(['verify', '-CAfile', 'root.pem', '-verify_ip', '127.0.0.1', '-verify_hostname', 'localhost', 'c.pem'], {
      'root.pem': serving.rootPem,
      'c.pem': serving.certChainPem,
    });
    expect(checked.status, checked.output).toBe(0);
  });

  it.each(['256.0.0.1', '1.2.3', '::1::', '1:2:3:4:5:6:7:8:9', 'localhost', 'fe80::g'])('refuses the IP address %s', (ip) => {
    expect(refusal(() => ca.issueServingCertificate({ ipAddresses: [ip] }))).toBe('SPIFFE_ERR_BAD_SAN');
  });
});
