// The logic of Istio's CreateCertificate, free of gRPC: authenticate, authorize (impersonation as istiod does it),
// then sign — or refuse with a status and a reason, having signed nothing.
import { NO_CREDENTIAL, type Authenticator, type Caller, type CallerCredentials } from './authenticators.js';
import type { CertificateAuthority } from './ca.js';
import { SpiffeError, type SpiffeErrorCode } from './errors.js';
import { parseIstioIdentity } from './spiffe-id.js';

/** One CreateCertificate request, decoded from the wire by the transport. */
export interface CertificateRequest {
  /** PEM CSR. */
  readonly csr: string;
  /** `validity_duration` in seconds; ≤ 0 means the default. */
  readonly validitySeconds?: number;
  /** `metadata.ImpersonatedIdentity`: a node proxy asking on behalf of a workload on its node. */
  readonly impersonatedIdentity?: string;
}

export type RefusalStatus = 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'INVALID_ARGUMENT';

export type CertificateResult =
  | { readonly ok: true; readonly certChain: string[]; readonly identity: string; readonly caller: Caller }
  | { readonly ok: false; readonly status: RefusalStatus; readonly reason: string };

export interface CaServiceOptions {
  readonly ca: CertificateAuthority;
  readonly authenticate: Authenticator;
  /** `<namespace>/<serviceAccount>` of callers allowed to impersonate (Istio's CA_TRUSTED_NODE_ACCOUNTS). */
  readonly trustedNodeAccounts: readonly string[];
  /** True when a workload with `identity` runs on `node` (the control plane's workload store answers). */
  readonly hasWorkloadOnNode: (identity: string, node: string) => boolean | Promise<boolean>;
}

export type CaService = (request: CertificateRequest, credentials: CallerCredentials) => Promise<CertificateResult>;

const AUTHORIZATION_CODES: ReadonlySet<SpiffeErrorCode> = new Set(['SPIFFE_ERR_CSR_SAN_MISMATCH', 'SPIFFE_ERR_TRUST_DOMAIN_MISMATCH']);

const deny = (reason: string): CertificateResult => ({ ok: false, status: 'PERMISSION_DENIED', reason });

async function impersonationRefusal(options: CaServiceOptions, caller: Caller, target: string): Promise<string | undefined> {
  const account = `${caller.namespace}/${caller.serviceAccount}`;
  if (!options.trustedNodeAccounts.includes(account)) {
    return `caller ${caller.identity} may not impersonate: ${account} is not a trusted node account`;
  }
  try {
    parseIstioIdentity(target);
  } catch (err) {
    return `ImpersonatedIdentity is not an Istio identity: ${(err as Error).message}`;
  }
  if (caller.node === undefined) return `caller ${caller.identity} may not impersonate: its credential names no node`;
  if (!(await options.hasWorkloadOnNode(target, caller.node))) {
    return `no workload with identity ${target} runs on node ${caller.node}`;
  }
  return undefined;
}

/** Builds the CreateCertificate handler a control plane mounts behind its gRPC server. */
export function createCaService(options: CaServiceOptions): CaService {
  return async (request, credentials) => {
    const auth = options.authenticate(credentials) ?? { ok: false, reason: NO_CREDENTIAL };
    if (!auth.ok) return { ok: false, status: 'UNAUTHENTICATED', reason: auth.reason };
    const caller = auth.caller;
    let identity = caller.identity;
    if (request.impersonatedIdentity !== undefined && request.impersonatedIdentity !== '') {
      const refusal = await impersonationRefusal(options, caller, request.impersonatedIdentity);
      if (refusal) return deny(refusal);
      identity = request.impersonatedIdentity;
    }
    try {
      const certChain = options.ca.sign(request.csr, { identity, ttlSeconds: request.validitySeconds });
      return { ok: true, certChain, identity, caller };
    } catch (err) {
      if (!(err instanceof SpiffeError)) throw err;
      return AUTHORIZATION_CODES.has(err.code) ? deny(err.message) : { ok: false, status: 'INVALID_ARGUMENT', reason: err.message };
    }
  };
}
