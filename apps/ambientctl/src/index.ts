// @ambient/ambientctl: the mesh CLI — run a local mesh, inspect it, check config offline, mint tokens.
export { runCli } from './cli/run.js';
export type { CommandContext } from './cli/context.js';
export { readRunFile, writeRunFile, removeRunFile, DEFAULT_RUN_FILE } from './run-file.js';
export type { RunFile } from './run-file.js';
export { AmbientctlError } from './errors.js';
export type { AmbientctlErrorCode } from './errors.js';
