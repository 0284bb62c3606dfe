// SPIFFE IDs per the SPIFFE ID standard, and Istio's spiffe://<td>/ns/<ns>/sa/<sa> form on top of it.
import { SpiffeError, type SpiffeErrorCode } from './errors.js';

/** A validated SPIFFE ID. `namespace`/`serviceAccount` are set when the path is Istio's /ns/<ns>/sa/<sa>. */
export interface SpiffeId {
  readonly trustDomain: string;
  /** '' or '/seg/seg…' */
  readonly path: string;
  readonly namespace?: string;
  readonly serviceAccount?: string;
  /** The canonical string form, `spiffe://<td><path>`. */
  readonly uri: string;
}

const SCHEME = 'spiffe://';
const MAX_URI_BYTES = 2048;
const MAX_TRUST_DOMAIN = 255;
const TD_CHAR = /^[a-z0-9._-]$/;
const PATH_CHAR = /^[a-zA-Z0-9._-]$/;

function fail(code: SpiffeErrorCode, input: string, why: string): never {
  throw new SpiffeError(code, `invalid SPIFFE ID '${input.slice(0, 120)}': ${why}`);
}

/** Validates a trust domain name on its own (lowercase letters, digits, '.', '-', '_'; at most 255). */
export function parseTrustDomain(td: string, input = td): string {
  if (td === '') fail('SPIFFE_ERR_TRUST_DOMAIN_MISSING', input, 'the trust domain is empty');
  if (td.length > MAX_TRUST_DOMAIN) fail('SPIFFE_ERR_TOO_LONG', input, `the trust domain exceeds ${MAX_TRUST_DOMAIN} characters`);
  for (const ch of td) {
    if (TD_CHAR.test(ch)) continue;
    if (ch === ':') fail('SPIFFE_ERR_PORT', input, 'a trust domain carries no port');
    if (ch === '@') fail('SPIFFE_ERR_USERINFO', input, 'a trust domain carries no user info');
    if (ch === '%') fail('SPIFFE_ERR_PERCENT_ENCODED', input, 'percent-encoding is not allowed');
    if (/[A-Z]/.test(ch)) fail('SPIFFE_ERR_TRUST_DOMAIN_UPPERCASE', input, `the trust domain must be lowercase ('${ch}')`);
    fail('SPIFFE_ERR_TRUST_DOMAIN_CHAR', input, `character '${ch}' is not allowed in a trust domain`);
  }
  return td;
}

function parsePath(path: string, input: string): string[] {
  if (path === '') return [];
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') fail('SPIFFE_ERR_EMPTY_SEGMENT', input, 'the path has an empty segment (// or a trailing /)');
    if (segment === '.' || segment === '..') fail('SPIFFE_ERR_DOT_SEGMENT', input, `path segment '${segment}' is not allowed`);
    for (const ch of segment) {
      if (PATH_CHAR.test(ch)) continue;
      if (ch === '%') fail('SPIFFE_ERR_PERCENT_ENCODED', input, 'percent-encoding is not allowed');
      fail('SPIFFE_ERR_PATH_CHAR', input, `character '${ch}' is not allowed in a path segment`);
    }
  }
  return segments;
}

/** Parses and validates any SPIFFE ID. Throws SpiffeError with a code naming the first problem. */
export function parseSpiffeId(input: string): SpiffeId {
  if (typeof input !== 'string' || input === '') fail('SPIFFE_ERR_EMPTY', String(input ?? ''), 'it is empty');
  if (Buffer.byteLength(input) > MAX_URI_BYTES) fail('SPIFFE_ERR_TOO_LONG', input, `longer than ${MAX_URI_BYTES} bytes`);
  if (!input.startsWith(SCHEME)) {
    const lower = input.toLowerCase().startsWith(SCHEME);
    fail('SPIFFE_ERR_SCHEME', input, lower ? "the scheme must be lowercase 'spiffe://'" : "it must start with 'spiffe://'");
  }
  const rest = input.slice(SCHEME.length);
  if (rest.includes('?')) fail('SPIFFE_ERR_QUERY', input, 'a query (?) is not allowed');
  if (rest.includes('#')) fail('SPIFFE_ERR_FRAGMENT', input, 'a fragment (#) is not allowed');
  const slash = rest.indexOf('/');
  const td = parseTrustDomain(slash === -1 ? rest : rest.slice(0, slash), input);
  const path = slash === -1 ? '' : rest.slice(slash);
  const segments = parsePath(path, input);
  const istio = segments.length === 4 && segments[0] === 'ns' && segments[2] === 'sa';
  return istio
    ? { trustDomain: td, path, namespace: segments[1] as string, serviceAccount: segments[3] as string, uri: input }
    : { trustDomain: td, path, uri: input };
}

/** Parses an Istio workload identity; anything but spiffe://<td>/ns/<ns>/sa/<sa> is refused. */
export function parseIstioIdentity(input: string): Required<SpiffeId> {
  const id = parseSpiffeId(input);
  if (id.namespace === undefined || id.serviceAccount === undefined) {
    fail('SPIFFE_ERR_NOT_ISTIO', input, "an Istio identity has the path '/ns/<namespace>/sa/<service-account>'");
  }
  return id as Required<SpiffeId>;
}

/** Formats (and validates) Istio's identity for a service account. */
export function formatIstioIdentity(trustDomain: string, namespace: string, serviceAccount: string): string {
  return parseIstioIdentity(`${SCHEME}${trustDomain}/ns/${namespace}/sa/${serviceAccount}`).uri;
}

/** True when `input` is a valid SPIFFE ID (for filters; use parseSpiffeId for the reason). */
export function isSpiffeId(input: string): boolean {
  try {
    parseSpiffeId(input);
    return true;
  } catch {
    return false;
  }
}
