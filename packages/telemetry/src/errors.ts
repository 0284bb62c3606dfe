// Errors of @ambient/telemetry: counts and labels that cannot be right.
import { AmbientError } from '@ambient/core';

export type TelemetryErrorCode = 'TELEMETRY_ERR_BAD_COUNT' | 'TELEMETRY_ERR_BAD_FLAG';

export class TelemetryError extends AmbientError<TelemetryErrorCode> {
  static override readonly family: string = 'TELEMETRY';
}

/** Counters only go up: a negative, fractional or non-finite byte count is a bug in the caller. */
export function checkCount(bytes: number, what: string): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new TelemetryError('TELEMETRY_ERR_BAD_COUNT', `${what} must be a whole number of bytes ≥ 0, got ${String(bytes)}`);
  }
}
