// The xDS server's error family: one stable code per condition the control plane or an operator can act on.
import { AmbientError } from '@ambient/core';

export type XdsServerErrorCode = 'XDS_SERVER_ERR_BAD_RESOURCE' | 'XDS_SERVER_ERR_BAD_OPTIONS';

export class XdsServerError extends AmbientError<XdsServerErrorCode> {
  static override readonly family: string = 'XDS_SERVER';
}
