// The error class of @ambient/ca-grpc: a CreateCertificate call that failed, with the gRPC status behind it.
import { AmbientError } from '@ambient/core';

export type CaGrpcErrorCode =
  /** The CA answered with an error status (refused, unavailable, deadline…); `grpcStatus` says which. */
  | 'CA_GRPC_ERR_CALL'
  /** The CA answered, but its chain failed our checks (does not verify, wrong SAN, wrong key). */
  | 'CA_GRPC_ERR_BAD_RESPONSE';

export class CaGrpcError extends AmbientError<CaGrpcErrorCode> {
  static override readonly family: string = 'CA_GRPC';
  /** The gRPC status name (e.g. 'PERMISSION_DENIED') for CA_GRPC_ERR_CALL. */
  readonly grpcStatus?: string;

  constructor(code: CaGrpcErrorCode, message: string, options?: { cause?: unknown; grpcStatus?: string }) {
    super(code, message, options);
    if (options?.grpcStatus) this.grpcStatus = options.grpcStatus;
  }
}
