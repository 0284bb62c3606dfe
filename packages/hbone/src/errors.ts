// HBONE error codes, and the one mapping between refusals and CONNECT status codes (reference §2.4).
import { AmbientError } from '@ambient/core';

export type HboneErrorCode =
  | 'HBONE_ERR_BAD_AUTHORITY'
  | 'HBONE_ERR_BAD_REQUEST'
  | 'HBONE_ERR_DENIED'
  | 'HBONE_ERR_UNREACHABLE'
  | 'HBONE_ERR_STATUS'
  | 'HBONE_ERR_PEER_IDENTITY'
  | 'HBONE_ERR_TLS'
  | 'HBONE_ERR_TIMEOUT'
  | 'HBONE_ERR_SESSION_CLOSED'
  | 'HBONE_ERR_STREAM_RESET';

export class HboneError extends AmbientError<HboneErrorCode> {
  static override readonly family: string = 'HBONE';
  /** The CONNECT response status, when the error came from one or maps to one. */
  readonly status: number | undefined;

  constructor(code: HboneErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.status = options.status ?? statusForCode(code);
  }
}

/** Why a server refuses a tunnel; the handler returns one of these instead of a Duplex. */
export type Refusal =
  | { readonly kind: 'bad-request'; readonly reason: string }
  | { readonly kind: 'denied'; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

const STATUS_BY_REFUSAL = { 'bad-request': 400, denied: 401, unreachable: 503 } as const;

export function statusForRefusal(refusal: Refusal): 400 | 401 | 503 {
  return STATUS_BY_REFUSAL[refusal.kind];
}

function statusForCode(code: HboneErrorCode): number | undefined {
  switch (code) {
    case 'HBONE_ERR_BAD_AUTHORITY':
    case 'HBONE_ERR_BAD_REQUEST':
      return 400;
    case 'HBONE_ERR_DENIED':
      return 401;
    case 'HBONE_ERR_UNREACHABLE':
      return 503;
    default:
      return undefined;
  }
}

/** The client's view of a non-200 answer. */
export function errorForStatus(status: number, authority: string): HboneError {
  const text = `CONNECT ${authority} answered http status: ${status}`;
  switch (status) {
    case 400:
      return new HboneError('HBONE_ERR_BAD_REQUEST', `${text} (bad request or authority)`, { status });
    case 401:
      return new HboneError('HBONE_ERR_DENIED', `${text} (denied by the destination's authorization policy)`, { status });
    case 503:
      return new HboneError('HBONE_ERR_UNREACHABLE', `${text} (destination unknown or unreachable)`, { status });
    default:
      return new HboneError('HBONE_ERR_STATUS', text, { status });
  }
}
