// Mounts the CreateCertificate logic of @ambient/spiffe on a grpc-js Server as istio.v1.auth.IstioCertificateService.
import { status, type Server, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { IstioCertificateResponseSchema, type IstioCertificateRequest, type IstioCertificateResponse } from '@ambient/api/ca';
import { bearerToken, istioCertificateService } from '@ambient/grpc';
import type { CaService, CallerCredentials, CertificateRequest, RefusalStatus } from '@ambient/spiffe';

/** The metadata key ztunnel sets when asking on behalf of a workload. */
export const IMPERSONATED_IDENTITY_KEY = 'ImpersonatedIdentity';

const STATUS: Record<RefusalStatus, status> = {
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
};

/** Wire → domain: the CSR, the requested TTL and the impersonated identity (a string value, else ignored). */
export function toCertificateRequest(request: IstioCertificateRequest): CertificateRequest {
  const impersonated = request.metadata?.[IMPERSONATED_IDENTITY_KEY];
  const seconds = request.validityDuration;
  return {
    csr: request.csr,
    validitySeconds: seconds > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(seconds),
    ...(typeof impersonated === 'string' ? { impersonatedIdentity: impersonated } : {}),
  };
}

function callerCredentials(call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>): CallerCredentials {
  const token = bearerToken(call.metadata);
  const peer = call.getAuthContext()?.sslPeerCertificate?.raw;
  return { ...(token ? { bearerToken: token } : {}), ...(peer && peer.length > 0 ? { peerCertificates: [peer] } : {}) };
}

export interface CertificateServiceOptions {
  /** Called after every answer (for logs and metrics); must not throw. */
  readonly onResult?: (event: { identity?: string; caller?: string; status: string; reason?: string }) => void;
}

/** The handler object for `server.addService(istioCertificateService, …)`. */
export function certificateServiceHandlers(service: CaService, options: CertificateServiceOptions = {}): UntypedServiceImplementation {
  const createCertificate = (
    call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>,
    callback: sendUnaryData<IstioCertificateResponse>,
  ): void => {
    service(toCertificateRequest(call.request), callerCredentials(call)).then(
      (result) => {
        if (result.ok) {
          options.onResult?.({ identity: result.identity, caller: result.caller.identity, status: 'OK' });
          callback(null, create(IstioCertificateResponseSchema, { certChain: result.certChain }));
        } else {
          options.onResult?.({ status: result.status, reason: result.reason });
          callback({ code: STATUS[result.status], details: result.reason });
        }
      },
      (err: unknown) => {
        options.onResult?.({ status: 'INTERNAL', reason: String(err) });
        callback({ code: status.INTERNAL, details: `certificate signing failed: ${(err as Error).message}` });
      },
    );
  };
  return { createCertificate } as UntypedServiceImplementation;
}

/** Registers IstioCertificateService on `server`. */
export function addCertificateService(server: Server, service: CaService, options?: CertificateServiceOptions): void {
  server.addService(istioCertificateService, certificateServiceHandlers(service, options));
}
