// The package's error family. Bad config never throws (it becomes a ConfigProblem); this is for programming errors
// such as options that would produce malformed resource names.
import { AmbientError } from '@ambient/core';

export type MeshConfigErrorCode =
  /** MeshConfigOptions has an empty or malformed value. */
  'MESH_CONFIG_ERR_OPTIONS';

export class MeshConfigError extends AmbientError<MeshConfigErrorCode> {
  static override readonly family: string = 'MESH_CONFIG';
}
