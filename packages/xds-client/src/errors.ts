// The xDS client's error family: one stable code per condition a caller or operator can act on.
import { AmbientError } from '@ambient/core';

export type XdsClientErrorCode =
  | 'XDS_CLIENT_ERR_BAD_OPTIONS'
  | 'XDS_CLIENT_ERR_UNKNOWN_TYPE'
  | 'XDS_CLIENT_ERR_NOT_ON_DEMAND'
  | 'XDS_CLIENT_ERR_REJECTED'
  | 'XDS_CLIENT_ERR_STREAM'
  | 'XDS_CLIENT_ERR_TIMEOUT'
  | 'XDS_CLIENT_ERR_CLOSED';

export class XdsClientError extends AmbientError<XdsClientErrorCode> {
  static override readonly family: string = 'XDS_CLIENT';
}
