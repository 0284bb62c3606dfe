// PKCS#10 certificate signing requests: building ztunnel-style ones (URI SAN only, empty subject) and reading
// any well-formed one, with its self-signature checked.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { children, decodeBitString, decodeOid, expect, readDer, type DerNode } from './der/reader.js';
import { bitString, explicit, oid, sequence, set, smallInteger } from './der/writer.js';
import { SpiffeError } from './errors.js';
import { pemBlock, toPem } from './pem.js';
import { parseSpiffeId } from './spiffe-id.js';
import { extension, parseExtensions, uriSanValue } from './x509/extensions.js';
import { checkKeyStrength, isP256Spki, signingAlgorithmFor, spkiOf } from './x509/keys.js';
import { OID, SIGNATURE_HASH } from './x509/oids.js';

/** A CSR for `identity` (a SPIFFE ID) signed by `privateKey`, as PEM. The SAN is critical: the subject is empty. */
export function createCsr(identity: string, privateKey: KeyObject): string {
  parseSpiffeId(identity);
  const algorithm = signingAlgorithmFor(privateKey);
  const extensions = sequence(extension(OID.subjectAltName, true, uriSanValue([identity])));
  const info = sequence(
    smallInteger(0),
    sequence(),
    spkiOf(privateKey),
    explicit(0, sequence(oid(OID.extensionRequest), set(extensions))),
  );
  const signature = sign(algorithm.hash, info, privateKey);
  return toPem(sequence(info, algorithm.identifier, bitString(signature)), 'CERTIFICATE REQUEST');
}

export interface CsrInfo {
  /** The requester's SubjectPublicKeyInfo DER, copied into the certificate unchanged. */
  readonly spki: Buffer;
  readonly publicKey: KeyObject;
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  readonly sanCount: number;
}

function badCsr(why: string, cause?: unknown): never {
  throw new SpiffeError('SPIFFE_ERR_BAD_CSR', `malformed certificate signing request: ${why}`, { cause });
}

function requestedExtensions(attributes: DerNode | undefined): DerNode | undefined {
  if (!attributes) return undefined;
  for (const attribute of children(attributes)) {
    const [type, values] = children(expect(attribute, 0x30, 'attribute'));
    if (decodeOid(type as DerNode) !== OID.extensionRequest) continue;
    return children(expect(values, 0x31, 'extensionRequest values'))[0];
  }
  return undefined;
}

/** Decodes a CSR (PEM or DER), checks its key and self-signature; every failure is a typed SpiffeError. */
export function parseCsr(input: string | Buffer): CsrInfo {
  const der = typeof input === 'string' ? pemBlock(input, 'CERTIFICATE REQUEST') : input;
  let parts: DerNode[];
  let info: DerNode[];
  try {
    parts = children(expect(readDer(der), 0x30, 'CertificationRequest'));
    info = children(expect(parts[0], 0x30, 'CertificationRequestInfo'));
  } catch (err) {
    badCsr((err as Error).message, err);
  }
  if (parts.length !== 3 || info.length < 3) badCsr('wrong number of fields');
  const spki = expect(info[2], 0x30, 'subjectPKInfo').raw;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (err) {
    badCsr(`unreadable public key (${(err as Error).message})`, err);
  }
  if (!isP256Spki(spki)) checkKeyStrength(publicKey, 'the CSR key');
  const algorithm = decodeOid(children(expect(parts[1], 0x30, 'signatureAlgorithm'))[0] as DerNode);
  const hash = SIGNATURE_HASH.get(algorithm);
  if (!hash) badCsr(`unsupported signature algorithm ${algorithm}`);
  const signature = decodeBitString(parts[2] as DerNode).bytes;
  if (!verify(hash, (parts[0] as DerNode).raw, publicKey, signature)) {
    throw new SpiffeError('SPIFFE_ERR_CSR_SIGNATURE', 'the CSR signature does not verify with its own public key');
  }
  const ext = parseExtensions(requestedExtensions(info[3]?.tag === 0xa0 ? info[3] : undefined));
  return { spki, publicKey, uris: ext.uris, dnsNames: ext.dnsNames, sanCount: ext.sanCount };
}
