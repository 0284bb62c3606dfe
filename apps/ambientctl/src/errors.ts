// The error class of the ambientctl app: failures an operator can act on, each with a stable code.
import { AmbientError } from '@ambient/core';

export type AmbientctlErrorCode =
  /** Flags or arguments are wrong; the CLI exits 2. */
  | 'AMBIENTCTL_ERR_USAGE'
  /** No `.ambient/run.json` (no local mesh running), or it cannot be read. */
  | 'AMBIENTCTL_ERR_NO_MESH'
  /** A component (ztunnel admin, ambientd debug) could not be reached or answered badly. */
  | 'AMBIENTCTL_ERR_UNREACHABLE'
  /** A mesh failed to start or stop. */
  | 'AMBIENTCTL_ERR_UP'
  /** Offline input (policy YAML, config directory) is malformed. */
  | 'AMBIENTCTL_ERR_INPUT';

export class AmbientctlError extends AmbientError<AmbientctlErrorCode> {
  static override readonly family: string = 'AMBIENTCTL';
}

/** Bad flags or arguments: one sentence, exit code 2. */
export function usageError(message: string): AmbientctlError {
  return new AmbientctlError('AMBIENTCTL_ERR_USAGE', message);
}
