// Errors of @ambient/original-dst: the addon is missing, the socket has no descriptor, or the kernel said no.
import { AmbientError } from '@ambient/core';

export type OriginalDstErrorCode =
  | 'ORIGINAL_DST_ERR_UNAVAILABLE'
  | 'ORIGINAL_DST_ERR_NO_FD'
  | 'ORIGINAL_DST_ERR_SYSCALL';

export class OriginalDstError extends AmbientError<OriginalDstErrorCode> {
  static override readonly family: string = 'ORIGINAL_DST';
  /** The errno the kernel returned, for ORIGINAL_DST_ERR_SYSCALL. */
  readonly errno: number | undefined;

  constructor(code: OriginalDstErrorCode, message: string, options?: { cause?: unknown; errno?: number }) {
    super(code, message, options);
    this.errno = options?.errno;
  }
}
