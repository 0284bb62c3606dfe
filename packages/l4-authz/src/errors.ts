// The package's error family: one class, stable AUTHZ_ERR_* codes, and an optional location (file, object,
// field path) so an operator can find the offending input without reading our source.
import { AmbientError } from '@ambient/core';

export type AuthzErrorCode =
  /** A connection handed to evaluate() has an address that is not an IPv4 or IPv6 literal. */
  | 'AUTHZ_ERR_INVALID_CONNECTION'
  /** A policy built in code has a malformed field (port out of range, bad CIDR, ...). */
  | 'AUTHZ_ERR_INVALID_POLICY'
  /** An istio.security.Authorization resource from xDS cannot be used; the xDS client NACKs it. */
  | 'AUTHZ_ERR_XDS_REJECTED'
  /** A YAML file does not parse. */
  | 'AUTHZ_ERR_YAML_SYNTAX'
  /** A YAML object parses but is not a valid AuthorizationPolicy or PeerAuthentication. */
  | 'AUTHZ_ERR_YAML_INVALID';

/** Where an error sits in its input; every part is optional because wire input has no file. */
export interface ErrorLocation {
  /** File name as the caller gave it, e.g. 'policies/deny.yaml'. */
  readonly file?: string;
  /** 1-based line of the YAML document or node, when known. */
  readonly line?: number;
  /** 'AuthorizationPolicy default/deny-all' or an xDS resource name 'ns/name'. */
  readonly object?: string;
  /** Field path inside the object, e.g. 'spec.rules[0].from[1].source.ipBlocks[0]'. */
  readonly path?: string;
}

export class AuthzError extends AmbientError<AuthzErrorCode> {
  static override readonly family: string = 'AUTHZ';
  readonly location: ErrorLocation;

  constructor(code: AuthzErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(code, message, options);
    this.location = location;
  }
}

/** 'file:line: Kind ns/name: path: problem', leaving out the parts that are unknown. */
export function formatLocated(location: ErrorLocation, problem: string): string {
  const where = location.file === undefined ? '' : location.line === undefined ? location.file : `${location.file}:${location.line}`;
  return [where, location.object, location.path, problem].filter((s) => s !== undefined && s !== '').join(': ');
}
