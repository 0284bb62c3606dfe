// @ambient/ambientd: the control plane — mesh config from YAML, delta xDS for ztunnels, the mesh CA and bearer tokens on one gRPC port.
export { startAmbientd } from './ambientd.js';
export type { Ambientd, AmbientdOptions } from './ambientd.js';
export { readAmbientdConfig, stateDirFrom, DEFAULT_STATE_DIR } from './config.js';
export type { AmbientdConfig } from './config.js';
export { openStateDir } from './state-dir.js';
export type { State } from './state-dir.js';
export type { ConfigTranslator, ServedProblem } from './mesh-sync.js';
export { AmbientdError } from './errors.js';
export type { AmbientdErrorCode } from './errors.js';
