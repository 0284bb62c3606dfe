// Builds and signs certificates directly as DER: an issuer pre-encodes everything that does not change per
// leaf, so issuing costs one signature plus a few small concatenations (@peculiar/x509 manages ~470/s here).
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { bitString, explicit, oid, sequence, set, smallInteger, time, unsignedInteger, utf8String } from '../der/writer.js';
import {
  authorityKeyIdValue,
  basicConstraintsValue,
  CA_KEY_USAGE,
  extension,
  extKeyUsageValue,
  keyUsageValue,
  LEAF_KEY_USAGE,
  subjectKeyIdValue,
  sanValue,
  type SubjectAltNames,
} from './extensions.js';
import { keyIdentifier, signingAlgorithmFor, type SigningAlgorithm } from './keys.js';
import { OID } from './oids.js';

const VERSION_3 = explicit(0, smallInteger(2));
const EMPTY_NAME = sequence();
const SERIAL_POOL_SIZE = 16 * 1024;
let serialPool = Buffer.alloc(0);
let serialOffset = 0;

/** 128 random bits, positive, never with a leading zero byte; drawn from a pooled buffer to save syscalls. */
export function randomSerial(): Buffer {
  if (serialOffset + 16 > serialPool.length) {
    serialPool = randomBytes(SERIAL_POOL_SIZE);
    serialOffset = 0;
  }
  const serial = Buffer.from(serialPool.subarray(serialOffset, serialOffset + 16));
  serialOffset += 16;
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40;
  return serial;
}

/** `O=<organization>`, the subject Istio gives its self-signed root. */
export const organizationName = (organization: string): Buffer =>
  sequence(set(sequence(oid(OID.organization), utf8String(organization))));

function signCertificate(tbs: Buffer, algorithm: SigningAlgorithm, key: KeyObject): Buffer {
  return sequence(tbs, algorithm.identifier, bitString(sign(algorithm.hash, tbs, key)));
}

export interface LeafRequest {
  readonly spki: Buffer;
  readonly names: SubjectAltNames;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Issues SVID leaves for one CA key: URI SAN only (critical, the subject is empty), serverAuth+clientAuth. */
export class LeafIssuer {
  readonly #key: KeyObject;
  readonly #algorithm: SigningAlgorithm;
  readonly #prefixAfterSerial: Buffer;
  readonly #fixedExtensions: Buffer;

  constructor(issuerSubject: Buffer, issuerSpki: Buffer, key: KeyObject) {
    this.#key = key;
    this.#algorithm = signingAlgorithmFor(key);
    this.#prefixAfterSerial = Buffer.concat([this.#algorithm.identifier, issuerSubject]);
    this.#fixedExtensions = Buffer.concat([
      extension(OID.keyUsage, true, keyUsageValue(LEAF_KEY_USAGE)),
      extension(OID.extKeyUsage, false, extKeyUsageValue([OID.serverAuth, OID.clientAuth])),
      extension(OID.basicConstraints, true, basicConstraintsValue(false)),
      extension(OID.authorityKeyIdentifier, false, authorityKeyIdValue(keyIdentifier(issuerSpki))),
    ]);
  }

  /** The certificate's DER. */
  issue(request: LeafRequest): Buffer {
    const extensions = explicit(
      3,
      sequence(this.#fixedExtensions, extension(OID.subjectAltName, true, sanValue(request.names))),
    );
    const tbs = sequence(
      VERSION_3,
      unsignedInteger(randomSerial()),
      this.#prefixAfterSerial,
      sequence(time(request.notBefore), time(request.notAfter)),
      EMPTY_NAME,
      request.spki,
      extensions,
    );
    return signCertificate(tbs, this.#algorithm, this.#key);
  }
}

export interface CaCertificateSpec {
  /** The new CA's public key. */
  readonly spki: Buffer;
  readonly organization: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Who signs it; omit for a self-signed root (then `key` must be the new CA's private key). */
  readonly issuer?: { readonly subject: Buffer; readonly spki: Buffer };
  readonly key: KeyObject;
}

/** A CA certificate (DER): a self-signed root, or an intermediate when `issuer` is given. */
export function caCertificate(spec: CaCertificateSpec): Buffer {
  const algorithm = signingAlgorithmFor(spec.key);
  const name = organizationName(spec.organization);
  const extensions = [
    extension(OID.keyUsage, true, keyUsageValue(CA_KEY_USAGE)),
    extension(OID.basicConstraints, true, basicConstraintsValue(true)),
    extension(OID.subjectKeyIdentifier, false, subjectKeyIdValue(keyIdentifier(spec.spki))),
  ];
  if (spec.issuer) {
    extensions.push(extension(OID.authorityKeyIdentifier, false, authorityKeyIdValue(keyIdentifier(spec.issuer.spki))));
  }
  const tbs = sequence(
    VERSION_3,
    unsignedInteger(randomSerial()),
    algorithm.identifier,
    spec.issuer?.subject ?? name,
    sequence(time(spec.notBefore), time(spec.notAfter)),
    name,
    spec.spki,
    explicit(3, sequence(...extensions)),
  );
  return signCertificate(tbs, algorithm, spec.key);
}
