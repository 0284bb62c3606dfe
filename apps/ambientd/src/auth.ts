// Who may call: every xDS stream and CA call carries a bearer token signed with the state directory's key.
import type { KeyObject } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { bearerToken } from '@ambient/grpc';
import { NO_CREDENTIAL, tokenAuthenticator, type Authenticator, type Caller } from '@ambient/spiffe';
import type { AuthResult } from '@ambient/xds-server';

export function createAuthenticator(tokenKey: KeyObject, trustDomain: string): Authenticator {
  return tokenAuthenticator({ key: tokenKey, trustDomain });
}

/**
 * The xDS server's per-stream hook. Any valid token may read the mesh config, as any authenticated proxy may
 * read it from istiod; what a caller may do with certificates is the CA's decision.
 */
export function xdsAuthentication(authenticate: Authenticator): (metadata: Metadata) => AuthResult<Caller> {
  return (metadata) => {
    const token = bearerToken(metadata);
    const result = authenticate(token === undefined ? {} : { bearerToken: token });
    if (result === undefined) return { refusal: NO_CREDENTIAL };
    return result.ok ? { identity: result.caller } : { refusal: result.reason };
  };
}
