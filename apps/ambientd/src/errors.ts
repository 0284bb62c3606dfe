// The error class of the ambientd app: start-up and command failures an operator can act on.
import { AmbientError } from '@ambient/core';

export type AmbientdErrorCode =
  /** --config names no readable directory. */
  | 'AMBIENTD_ERR_CONFIG_DIR'
  /** The state directory cannot be created or holds unusable CA or token material. */
  | 'AMBIENTD_ERR_STATE_DIR'
  /** A listen address cannot be bound (in use, not local, no permission). */
  | 'AMBIENTD_ERR_LISTEN';

export class AmbientdError extends AmbientError<AmbientdErrorCode> {
  static override readonly family: string = 'AMBIENTD';
}
