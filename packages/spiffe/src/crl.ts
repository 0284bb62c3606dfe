// Certificate revocation lists (RFC 5280 §5): PEM/DER parsing into issuer + revoked serial numbers, and the check a
// proxy runs on a live connection's peer chain when a new list lands (ztunnel's revocation index, which matches a
// CRL's issuer to a certificate's issuer byte for byte and confirms with the CRL's signature by that issuer).
import { verify as verifySignature, type X509Certificate } from 'node:crypto';
import { children, decodeOid, decodeTime, expect, readDer, type DerNode } from './der/reader.js';
import { SpiffeError } from './errors.js';
import { pemBlocks } from './pem.js';
import { publicKeyOf } from './x509/certificate.js';

export interface RevokedCertificate {
  /** The serial number as lowercase hex of its DER INTEGER, redundant leading zero bytes dropped. */
  readonly serial: string;
  readonly revocationDate: Date;
}

export interface Crl {
  /** 1 or 2 (v2 carries extensions). */
  readonly version: 1 | 2;
  /** The DER of the issuer Name, byte for byte (a certificate the CRL covers carries the same bytes as its issuer). */
  readonly issuer: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly revoked: readonly RevokedCertificate[];
  /** What the signature covers (the TBSCertList encoding), its algorithm OID and the signature bytes. */
  readonly tbs: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
}

function bad(index: number | undefined, what: string): never {
  const which = index === undefined ? 'CRL' : `CRL ${index + 1}`;
  throw new SpiffeError('SPIFFE_ERR_BAD_CRL', `${which} is malformed: ${what}`);
}

/** Parses one DER CertificateList; anything malformed throws SPIFFE_ERR_BAD_CRL naming the field. */
export function parseCrl(der: Buffer, index?: number): Crl {
  try {
    return parseCertificateList(der, index);
  } catch (err) {
    if (err instanceof SpiffeError && err.code === 'SPIFFE_ERR_BAD_DER') bad(index, err.message);
    throw err;
  }
}

/** Every `X509 CRL` block of a PEM text, parsed; no block, bad base64 or a bad CRL throws SPIFFE_ERR_BAD_CRL. */
export function parseCrlPem(pem: string): Crl[] {
  let blocks: Buffer[];
  try {
    blocks = pemBlocks(pem, 'X509 CRL');
  } catch (err) {
    throw new SpiffeError('SPIFFE_ERR_BAD_CRL', (err as Error).message, { cause: err });
  }
  return blocks.map((der, i) => parseCrl(der, i));
}

function parseCertificateList(der: Buffer, index: number | undefined): Crl {
  const top = children(expect(readDer(der), 0x30, 'CertificateList'));
  if (top.length !== 3) bad(index, `CertificateList has ${top.length} elements, expected 3 (tbsCertList, signatureAlgorithm, signature)`);
  const [tbsNode, algNode, sigNode] = top as [DerNode, DerNode, DerNode];
  const tbs = children(expect(tbsNode, 0x30, 'tbsCertList'));
  let i = 0;
  let version: 1 | 2 = 1;
  if (tbs[0]?.tag === 0x02) {
    const v = tbs[0].content;
    if (v.length !== 1 || v[0] !== 1) bad(index, `version ${v.toString('hex')} is not v2 (1)`);
    version = 2;
    i = 1;
  }
  expect(tbs[i++], 0x30, 'tbsCertList signature algorithm');
  const issuer = expect(tbs[i++], 0x30, 'issuer').raw;
  const thisUpdate = decodeTime(timeNode(tbs[i++], 'thisUpdate', index));
  let nextUpdate: Date | undefined;
  if (tbs[i] && (tbs[i]?.tag === 0x17 || tbs[i]?.tag === 0x18)) nextUpdate = decodeTime(tbs[i++] as DerNode);
  let revoked: RevokedCertificate[] = [];
  if (tbs[i]?.tag === 0x30) revoked = children(tbs[i++] as DerNode).map((entry, n) => revokedEntry(entry, n, index));
  if (tbs[i]?.tag === 0xa0) {
    if (version !== 2) bad(index, 'crlExtensions in a v1 CRL');
    expect(children(tbs[i++] as DerNode)[0], 0x30, 'crlExtensions');
  }
  if (i !== tbs.length) bad(index, `unexpected element with tag 0x${(tbs[i] as DerNode).tag.toString(16)} in tbsCertList`);
  const signatureAlgorithm = decodeOid(children(expect(algNode, 0x30, 'signatureAlgorithm'))[0] as DerNode);
  const sig = expect(sigNode, 0x03, 'signature').content;
  if (sig.length < 2 || sig[0] !== 0) bad(index, 'signature is not a whole-byte bit string');
  return { version, issuer, thisUpdate, nextUpdate, revoked, tbs: tbsNode.raw, signatureAlgorithm, signature: sig.subarray(1) };
}

function timeNode(node: DerNode | undefined, what: string, index: number | undefined): DerNode {
  if (!node) bad(index, `missing ${what}`);
  if (node.tag !== 0x17 && node.tag !== 0x18) bad(index, `${what}: expected UTCTime or GeneralizedTime, found tag 0x${node.tag.toString(16)}`);
  return node;
}

function revokedEntry(entry: DerNode, n: number, index: number | undefined): RevokedCertificate {
  const fields = children(expect(entry, 0x30, `revoked entry ${n + 1}`));
  const serial = expect(fields[0], 0x02, `revoked entry ${n + 1} serial number`).content;
  if (serial.length === 0) bad(index, `revoked entry ${n + 1} has an empty serial number`);
  if (fields[2] && fields[2].tag !== 0x30) bad(index, `revoked entry ${n + 1} extensions: expected tag 0x30, found 0x${fields[2].tag.toString(16)}`);
  if (fields.length > 3) bad(index, `revoked entry ${n + 1} has ${fields.length} fields, at most 3 expected`);
  return { serial: serialHex(serial), revocationDate: decodeTime(timeNode(fields[1], `revoked entry ${n + 1} revocationDate`, index)) };
}

function serialHex(content: Buffer): string {
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start++;
  return content.subarray(start).toString('hex');
}

/** The issuer Name DER and serial (as in RevokedCertificate) of a certificate: what a CRL entry names it by. */
export function revocationKey(cert: X509Certificate): { issuer: Buffer; serial: string } {
  const parts = children(expect(readDer(cert.raw), 0x30, 'certificate'));
  const tbs = children(expect(parts[0], 0x30, 'TBSCertificate'));
  const offset = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const serial = expect(tbs[offset], 0x02, 'certificate serial number').content;
  return { issuer: expect(tbs[offset + 2], 0x30, 'issuer').raw, serial: serialHex(serial) };
}

const HASH_OF: Readonly<Record<string, string | null>> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};

/** Whether `issuer`'s key signed the CRL; false for an algorithm this does not know (never a guess either way). */
export function crlSignedBy(crl: Crl, issuer: X509Certificate): boolean {
  const hash = HASH_OF[crl.signatureAlgorithm];
  if (hash === undefined) return false;
  try {
    return verifySignature(hash, crl.tbs, publicKeyOf(issuer), crl.signature);
  } catch {
    return false;
  }
}

export interface RevokedInChain {
  /** Position in the chain, 0 for the leaf. */
  readonly index: number;
  readonly serial: string;
  readonly crl: Crl;
}

/** A set of CRLs indexed by issuer, for checking chains against. */
export class RevocationLists {
  readonly crls: readonly Crl[];
  readonly #byIssuer = new Map<string, { crl: Crl; serials: Set<string> }[]>();
  readonly #signed = new WeakMap<X509Certificate, Map<Crl, boolean>>();

  constructor(crls: readonly Crl[]) {
    this.crls = crls;
    for (const crl of crls) {
      const key = crl.issuer.toString('hex');
      const list = this.#byIssuer.get(key) ?? [];
      list.push({ crl, serials: new Set(crl.revoked.map((r) => r.serial)) });
      this.#byIssuer.set(key, list);
    }
  }

  static fromPem(pem: string): RevocationLists {
    return new RevocationLists(parseCrlPem(pem));
  }

  /**
   * The first certificate of `chain` (leaf first, each followed by its issuer; the trust anchor last or absent) that
   * a CRL signed by that certificate's issuer lists. The anchor itself is not checked, as webpki does not; a
   * certificate whose issuer is not in the chain cannot have its CRL's signature checked and is not judged revoked.
   */
  findRevoked(chain: readonly X509Certificate[]): RevokedInChain | undefined {
    for (let index = 0; index + 1 < chain.length; index++) {
      const { issuer, serial } = revocationKey(chain[index] as X509Certificate);
      const issuerCert = chain[index + 1] as X509Certificate;
      for (const entry of this.#byIssuer.get(issuer.toString('hex')) ?? []) {
        if (entry.serials.has(serial) && this.#isSignedBy(entry.crl, issuerCert)) return { index, serial, crl: entry.crl };
      }
    }
    return undefined;
  }

  #isSignedBy(crl: Crl, issuer: X509Certificate): boolean {
    let byCrl = this.#signed.get(issuer);
    if (!byCrl) this.#signed.set(issuer, (byCrl = new Map()));
    let ok = byCrl.get(crl);
    if (ok === undefined) byCrl.set(crl, (ok = crlSignedBy(crl, issuer)));
    return ok;
  }
}
