// The package's error family. The writer reports bad resources as rejections (for the NACK), not as errors; these
// codes name what a caller of the store can get wrong.
import { AmbientError } from '@ambient/core';

export type MeshStateErrorCode =
  /** A listener threw while being told about a change; every listener still saw the change. */
  'MESH_STATE_ERR_LISTENER';

export class MeshStateError extends AmbientError<MeshStateErrorCode> {
  static override readonly family: string = 'MESH_STATE';
}
