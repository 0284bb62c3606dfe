// Bearer tokens the control plane hands to node proxies: compact JWTs, ES256, signed and checked with node:crypto.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { SpiffeError } from './errors.js';
import { parseSpiffeId } from './spiffe-id.js';
import { generateKeyPair } from './x509/keys.js';

/** The audience Istio's CA expects on workload tokens. */
export const DEFAULT_TOKEN_AUDIENCE = 'istio-ca';
/** Tolerated clock difference when checking `exp`/`nbf`. */
export const TOKEN_LEEWAY_SECONDS = 30;

export interface TokenClaims {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Set for node proxies: the node whose workloads they may get certificates for. */
  readonly node?: string;
  readonly audience: string;
  /** Seconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface CreateTokenOptions {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly node?: string;
  readonly audience?: string;
  /** Default 24 h. */
  readonly ttlSeconds?: number;
  /** Milliseconds since the epoch. */
  readonly clock?: () => number;
}

const HEADER = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function malformed(why: string): never {
  throw new SpiffeError('SPIFFE_ERR_TOKEN_MALFORMED', `bearer token is malformed: ${why}`);
}

/** A fresh P-256 key for signing tokens. */
export function generateTokenKey(): KeyObject {
  return generateKeyPair().privateKey;
}

/** Reads a PEM private key (the signer) or public key (a verifier). */
export function tokenKeyFromPem(pem: string): KeyObject {
  try {
    return pem.includes('PRIVATE KEY') ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (err) {
    throw new SpiffeError('SPIFFE_ERR_UNSUPPORTED_KEY', `token key is unreadable: ${(err as Error).message}`, { cause: err });
  }
}

function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[a-zA-Z0-9._-]+$/.test(value)) {
    throw new SpiffeError('SPIFFE_ERR_TOKEN_CLAIMS', `token claim '${what}' must be a non-empty name of [a-zA-Z0-9._-], got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkEs256Key(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SpiffeError('SPIFFE_ERR_UNSUPPORTED_KEY', `token keys are ECDSA P-256 (ES256), not ${key.asymmetricKeyType}`);
  }
}

/** Signs a token for a service account (and optionally a node) with the control plane's P-256 key. */
export function createToken(key: KeyObject, options: CreateTokenOptions): string {
  checkEs256Key(key);
  const now = Math.floor((options.clock ?? Date.now)() / 1000);
  const claims: Record<string, unknown> = {
    aud: options.audience ?? DEFAULT_TOKEN_AUDIENCE,
    namespace: checkName(options.namespace, 'namespace'),
    serviceAccount: checkName(options.serviceAccount, 'serviceAccount'),
    iat: now,
    exp: now + (options.ttlSeconds ?? 86_400),
  };
  if (options.node !== undefined) claims['node'] = checkName(options.node, 'node');
  const input = `${HEADER}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the typed error
  }
  malformed(`the ${what} is not base64url JSON object`);
}

export interface VerifyTokenOptions {
  readonly audience?: string;
  readonly clock?: () => number;
}

/** Checks signature (ES256 only), audience and lifetime; returns the claims or throws SPIFFE_ERR_TOKEN_*. */
export function verifyToken(token: string, key: KeyObject, options: VerifyTokenOptions = {}): TokenClaims {
  checkEs256Key(key);
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) malformed('expected three base64url parts');
  const [header, payload, signature] = parts as [string, string, string];
  if (decodeJson(header, 'header')['alg'] !== 'ES256') malformed('only alg ES256 is accepted');
  const claims = decodeJson(payload, 'payload');
  const ok = verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!ok) throw new SpiffeError('SPIFFE_ERR_TOKEN_SIGNATURE', 'bearer token signature does not verify with the control plane key');
  const audience = options.audience ?? DEFAULT_TOKEN_AUDIENCE;
  const aud = claims['aud'];
  if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) {
    throw new SpiffeError('SPIFFE_ERR_TOKEN_AUDIENCE', `bearer token is for audience ${JSON.stringify(aud)}, not '${audience}'`);
  }
  const now = Math.floor((options.clock ?? Date.now)() / 1000);
  const { exp, iat } = claims;
  if (typeof exp !== 'number' || typeof iat !== 'number') {
    throw new SpiffeError('SPIFFE_ERR_TOKEN_CLAIMS', "bearer token lacks numeric 'exp' and 'iat' claims");
  }
  if (now > exp + TOKEN_LEEWAY_SECONDS) {
    throw new SpiffeError('SPIFFE_ERR_TOKEN_EXPIRED', `bearer token expired at ${new Date(exp * 1000).toISOString()}`);
  }
  if (iat > now + TOKEN_LEEWAY_SECONDS) {
    throw new SpiffeError('SPIFFE_ERR_TOKEN_EXPIRED', `bearer token is issued in the future (${new Date(iat * 1000).toISOString()}): check clocks`);
  }
  const namespace = checkName(claims['namespace'], 'namespace');
  const serviceAccount = checkName(claims['serviceAccount'], 'serviceAccount');
  const node = claims['node'] === undefined ? undefined : checkName(claims['node'], 'node');
  // The pair must form a valid Istio identity in any trust domain.
  parseSpiffeId(`spiffe://x/ns/${namespace}/sa/${serviceAccount}`);
  return { namespace, serviceAccount, ...(node === undefined ? {} : { node }), audience, issuedAt: iat, expiresAt: exp };
}
