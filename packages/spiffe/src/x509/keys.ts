// Keys: P-256 generation (Istio's default), the signature algorithm a key signs with, and the key policy for CSRs.
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { children, decodeBitString, readDer, type DerNode } from '../der/reader.js';
import { nullValue, oid, sequence } from '../der/writer.js';
import { SpiffeError } from '../errors.js';
import { OID } from './oids.js';

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A fresh ECDSA P-256 key pair. */
export function generateKeyPair(): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export interface SigningAlgorithm {
  /** AlgorithmIdentifier DER, as it goes into TBSCertificate and Certificate. */
  readonly identifier: Buffer;
  /** Hash name for crypto.sign. */
  readonly hash: string;
}

const ECDSA_SHA256: SigningAlgorithm = { identifier: sequence(oid(OID.ecdsaWithSha256)), hash: 'sha256' };
const ECDSA_SHA384: SigningAlgorithm = { identifier: sequence(oid(OID.ecdsaWithSha384)), hash: 'sha384' };
const RSA_SHA256: SigningAlgorithm = { identifier: sequence(oid(OID.sha256WithRsa), nullValue()), hash: 'sha256' };

/** The algorithm a private (or public) key signs with; an existing RSA CA keeps working. */
export function signingAlgorithmFor(key: KeyObject): SigningAlgorithm {
  checkKeyStrength(key, 'CA key');
  if (key.asymmetricKeyType === 'rsa') return RSA_SHA256;
  return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? ECDSA_SHA384 : ECDSA_SHA256;
}

/** The fixed 26-byte head of every P-256 SubjectPublicKeyInfo (id-ecPublicKey, prime256v1, 65-byte point). */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/** True for an uncompressed P-256 SPKI; lets the CSR path skip the costly first asymmetricKeyDetails lookup. */
export function isP256Spki(spki: Buffer): boolean {
  return spki.length === 91 && spki.subarray(0, 26).equals(P256_SPKI_PREFIX);
}

/** Refuses what Istio refuses too: anything but EC P-256/P-384 or RSA of at least 2048 bits. */
export function checkKeyStrength(key: KeyObject, what: string): void {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec' && (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1')) return;
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) return;
  const kind =
    key.asymmetricKeyType === 'rsa'
      ? `RSA-${details.modulusLength}`
      : `${key.asymmetricKeyType}${details.namedCurve ? ` ${details.namedCurve}` : ''}`;
  throw new SpiffeError('SPIFFE_ERR_UNSUPPORTED_KEY', `${what} is ${kind}: use ECDSA P-256/P-384 or RSA of at least 2048 bits`);
}

/** SubjectPublicKeyInfo DER of a key. */
export function spkiOf(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spki: Buffer): Buffer {
  const bits = children(readDer(spki))[1];
  return createHash('sha1').update(decodeBitString(bits as DerNode).bytes).digest();
}
