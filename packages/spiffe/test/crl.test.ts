// CRL parsing and chain checks: lists made by openssl (`openssl ca -gencrl`, a peer we did not write) and lists built
// here field by field for the optional parts openssl always fills in (nextUpdate, revokedCertificates, version).
import { createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority, certificateInfo, crlSignedBy, generateKeyPair, parseCrl, parseCrlPem, revocationKey, RevocationLists, SpiffeError, toPem } from '../src/index.js';
import { explicit, oid, sequence, smallInteger, time, tlv, unsignedInteger } from '../src/der/writer.js';
import { createTestCa } from '../src/testing/index.js';
import { caCertificate } from '../src/x509/issue.js';
import { spkiOf } from '../src/x509/keys.js';
import { openssl } from './openssl.js';

const ID = 'spiffe://cluster.local/ns/default/sa/sleep';
const CONFIG = '[ ca ]\ndefault_ca = mesh\n[ mesh ]\ndatabase = index.txt\ndefault_md = sha256\ndefault_crl_days = 1\ncrlnumber = crlnumber\n';

/** A CRL from `openssl ca -gencrl`, signed with `ca`'s key, revoking `serials` (hex). */
function opensslCrl(ca: CertificateAuthority, serials: readonly string[]): string {
  const index = serials.map((s) => `R\t491231235959Z\t260101000000Z\t${s.toUpperCase()}\tunknown\t/CN=revoked\n`).join('');
  const { status, output } = openssl(['ca', '-config', 'ca.cnf', '-gencrl', '-keyfile', 'ca-key.pem', '-cert', 'ca-cert.pem'], {
    'ca.cnf': CONFIG,
    crlnumber: '01\n',
    'index.txt': index,
    'ca-key.pem': ca.material.caKeyPem,
    'ca-cert.pem': ca.material.caCertPem,
  });
  expect(status, output).toBe(0);
  return output.slice(output.indexOf('-----BEGIN X509 CRL-----'));
}

/** A CRL built here: v1 unless `version` is given; no nextUpdate and no revokedCertificates unless given. */
function builtCrl(issuer: X509Certificate, key: KeyObject, options: { version?: number; nextUpdate?: Date; serials?: readonly string[] } = {}): Buffer {
  const alg = sequence(oid('1.2.840.10045.4.3.2'));
  const issuerName = certificateInfo(issuer).subject;
  const tbs = sequence(
    ...(options.version === undefined ? [] : [smallInteger(options.version)]),
    alg,
    issuerName,
    time(new Date(Date.now() - 60_000)),
    ...(options.nextUpdate ? [time(options.nextUpdate)] : []),
    ...(options.serials ? [sequence(...options.serials.map((s) => sequence(unsignedInteger(Buffer.from(s, 'hex')), time(new Date()))))] : []),
  );
  const signature = sign('sha256', tbs, key);
  return sequence(tbs, alg, tlv(0x03, Buffer.from([0]), signature));
}

/** A root CA and an issuing intermediate under it, both keys at hand (so the root can sign a list). */
function rootAndIntermediate(): { root: CertificateAuthority; intermediate: CertificateAuthority } {
  const root = createTestCa();
  const rootKey = createPrivateKey(root.material.caKeyPem);
  const key = generateKeyPair().privateKey;
  const der = caCertificate({
    spki: spkiOf(key),
    organization: 'cluster.local intermediate',
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 86_400_000),
    issuer: { subject: certificateInfo(root.caCertificate).subject, spki: spkiOf(rootKey) },
    key: rootKey,
  });
  const caCertPem = toPem(der, 'CERTIFICATE');
  const material = { caCertPem, caKeyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string, rootCertPem: root.material.rootCertPem, certChainPem: caCertPem + root.material.rootCertPem };
  return { root, intermediate: CertificateAuthority.fromMaterial(material, { trustDomain: 'cluster.local' }) };
}

function crlError(run: () => unknown): SpiffeError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(SpiffeError);
    expect((err as SpiffeError).code).toBe('SPIFFE_ERR_BAD_CRL');
    return err as SpiffeError;
  }
  throw new Error('expected SPIFFE_ERR_BAD_CRL');
}

describe('parseCrlPem', () => {
  it('reads issuer, times and revoked serials of an openssl CRL, and checks its signature by the issuer', () => {
    const ca = createTestCa();
    const leaf = ca.issueSvid(ID).certChain[0]!;
    const [crl] = parseCrlPem(opensslCrl(ca, [leaf.serialNumber, '0abc']));
    expect(crl?.version).toBe(2);
    expect(crl?.issuer.equals(revocationKey(leaf).issuer)).toBe(true);
    expect(crl?.nextUpdate?.getTime()).toBeGreaterThan(Date.now());
    expect(crl?.thisUpdate.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(crl?.revoked.map((r) => r.serial).sort()).toEqual([revocationKey(leaf).serial, '0abc'].sort());
    expect(crlSignedBy(crl!, ca.caCertificate)).toBe(true);
    expect(crlSignedBy(crl!, createTestCa().caCertificate)).toBe(false);
  });

  it('reads every block of a concatenated file', () => {
    const a = createTestCa();
    const b = createTestCa();
    const crls = parseCrlPem(opensslCrl(a, ['01']) + opensslCrl(b, []));
    expect(crls.map((c) => c.revoked.length)).toEqual([1, 0]);
  });

  it('takes a v1 list with neither nextUpdate nor revokedCertificates as an empty list', () => {
    const ca = createTestCa();
    const der = builtCrl(ca.caCertificate, createPrivateKey(ca.material.caKeyPem));
    const crl = parseCrl(der);
    expect(crl).toMatchObject({ version: 1, nextUpdate: undefined, revoked: [] });
    expect(crlSignedBy(crl, ca.caCertificate)).toBe(true);
    const withNext = parseCrl(builtCrl(ca.caCertificate, createPrivateKey(ca.material.caKeyPem), { version: 1, nextUpdate: new Date(Date.UTC(2060, 0, 1)), serials: ['00ff', '7f'] }));
    expect(withNext.version).toBe(2);
    expect(withNext.nextUpdate?.toISOString()).toBe('2060-01-01T00:00:00.000Z');
    expect(withNext.revoked.map((r) => r.serial)).toEqual(['ff', '7f']);
  });

  it('refuses malformed input with an error that names what is wrong', () => {
    const ca = createTestCa();
    const full = Buffer.from(opensslCrl(ca, ['01']).replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');

    expect(crlError(() => parseCrlPem('')).message).toMatch(/no 'X509 CRL' PEM block/);
    expect(crlError(() => parseCrlPem('-----BEGIN X509 CRL-----\n%%%garbage%%%\n-----END X509 CRL-----\n')).message).toMatch(/no 'X509 CRL' PEM block|not valid base64/);
    expect(crlError(() => parseCrlPem('-----BEGIN X509 CRL-----\nAAAA=A==\n-----END X509 CRL-----\n')).message).toMatch(/not valid base64/);
    expect(crlError(() => parseCrl(full.subarray(0, full.length - 10))).message).toMatch(/CRL is malformed: malformed DER: .*runs past the end/);
    expect(crlError(() => parseCrl(Buffer.from([0x30]))).message).toMatch(/truncated header/);
    expect(crlError(() => parseCrl(Buffer.concat([full, Buffer.from([0])]))).message).toMatch(/trailing bytes/);
    expect(crlError(() => parseCrl(Buffer.concat([Buffer.from([0x31]), full.subarray(1)]))).message).toMatch(/CertificateList: expected tag 0x30, found 0x31/);
    expect(crlError(() => parseCrl(sequence(sequence(), sequence()))).message).toMatch(/CertificateList has 2 elements/);
    const alg = sequence(oid('1.2.840.10045.4.3.2'));
    const sig = tlv(0x03, Buffer.from([0, 1]));
    const name = sequence();
    const now = time(new Date());
    expect(crlError(() => parseCrl(sequence(sequence(smallInteger(2), alg, name, now), alg, sig))).message).toMatch(/version 02 is not v2/);
    expect(crlError(() => parseCrl(sequence(sequence(alg, tlv(0x04, Buffer.alloc(1)), now), alg, sig))).message).toMatch(/issuer: expected tag 0x30, found 0x4/);
    expect(crlError(() => parseCrl(sequence(sequence(alg, name, tlv(0x02, Buffer.from([1]))), alg, sig))).message).toMatch(/thisUpdate: expected UTCTime or GeneralizedTime, found tag 0x2/);
    expect(crlError(() => parseCrl(sequence(sequence(alg, name), alg, sig))).message).toMatch(/missing thisUpdate/);
    expect(crlError(() => parseCrl(sequence(sequence(alg, name, now, sequence(sequence(tlv(0x04, Buffer.from([1])), now))), alg, sig))).message).toMatch(/revoked entry 1 serial number: expected tag 0x2/);
    expect(crlError(() => parseCrl(sequence(sequence(alg, name, now, sequence(sequence(tlv(0x02, Buffer.alloc(0)), now))), alg, sig))).message).toMatch(/revoked entry 1 has an empty serial number/);
    expect(crlError(() => parseCrl(sequence(sequence(alg, name, now, explicit(0, sequence())), alg, sig))).message).toMatch(/crlExtensions in a v1 CRL/);
    expect(crlError(() => parseCrl(sequence(sequence(alg, name, now, tlv(0x04, Buffer.alloc(1))), alg, sig))).message).toMatch(/unexpected element with tag 0x4 in tbsCertList/);
    expect(crlError(() => parseCrl(sequence(sequence(alg, name, now), alg, tlv(0x03, Buffer.from([3, 1]))))).message).toMatch(/signature is not a whole-byte bit string/);
    expect(crlError(() => parseCrl(sequence(sequence(alg, name, tlv(0x17, Buffer.from('nonsense'))), alg, sig))).message).toMatch(/bad time 'nonsense'/);
    // The PEM path names which block of the file is bad.
    const second = toPem(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), 'X509 CRL');
    expect(crlError(() => parseCrlPem(opensslCrl(ca, []) + second)).message).toMatch(/^CRL 2 is malformed/);
  });
});

describe('RevocationLists.findRevoked', () => {
  it('finds a revoked leaf by its issuer and serial, and only when the issuer signed the list', () => {
    const ca = createTestCa();
    const revoked = ca.issueSvid(ID).certChain[0]!;
    const other = ca.issueSvid('spiffe://cluster.local/ns/default/sa/echo').certChain[0]!;
    const lists = RevocationLists.fromPem(opensslCrl(ca, [revoked.serialNumber]));
    expect(lists.findRevoked([revoked, ca.caCertificate])).toMatchObject({ index: 0, serial: revocationKey(revoked).serial });
    expect(lists.findRevoked([other, ca.caCertificate])).toBeUndefined();
    // Without the issuer in the chain the list's signature cannot be checked: not judged revoked.
    expect(lists.findRevoked([revoked])).toBeUndefined();
    // Same issuer name and serial, signed by another key: a forged list revokes nothing.
    const forger = createPrivateKey(createTestCa().material.caKeyPem);
    const forged = new RevocationLists([parseCrl(builtCrl(ca.caCertificate, forger, { serials: [revocationKey(revoked).serial] }))]);
    expect(forged.findRevoked([revoked, ca.caCertificate])).toBeUndefined();
  });

  it('finds a revoked intermediate (a list from the root) for every leaf under it', () => {
    const { root, intermediate } = rootAndIntermediate();
    const chainOf = (id: string): X509Certificate[] => [intermediate.issueSvid(id).certChain[0]!, intermediate.caCertificate, root.caCertificate];
    const sleep = chainOf(ID);
    const echo = chainOf('spiffe://cluster.local/ns/default/sa/echo');
    const byRoot = RevocationLists.fromPem(opensslCrl(root, [intermediate.caCertificate.serialNumber]));
    expect(byRoot.findRevoked(sleep)).toMatchObject({ index: 1, serial: revocationKey(intermediate.caCertificate).serial });
    expect(byRoot.findRevoked(echo)).toMatchObject({ index: 1 });
    // The intermediate's own list revoking one leaf: that leaf only.
    const byIntermediate = RevocationLists.fromPem(opensslCrl(intermediate, [sleep[0]!.serialNumber]));
    expect(byIntermediate.findRevoked(sleep)).toMatchObject({ index: 0 });
    expect(byIntermediate.findRevoked(echo)).toBeUndefined();
    // The intermediate's serial under the root's name, signed by the intermediate's key: does not count.
    const notByRoot = new RevocationLists([parseCrl(builtCrl(root.caCertificate, createPrivateKey(intermediate.material.caKeyPem), { serials: [revocationKey(intermediate.caCertificate).serial] }))]);
    expect(notByRoot.findRevoked(sleep)).toBeUndefined();
  });
});
