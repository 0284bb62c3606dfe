// @ambient/core: the conventions every package follows (errors, config, logging, bench output).
export { AmbientError, hasCode } from './errors.js';
export { ConfigError, ConfigReader, deepFreeze, parseDuration, parseHostPort } from './config.js';
export type { ConfigErrorCode, EnvMap, HostPort } from './config.js';
export { createLogger, LOG_LEVELS } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { formatRatioTable } from './bench-table.js';
export type { BenchRow } from './bench-table.js';
export { BinError, binArgv, missingBinFlags, parseShebang, shebangNodeFlags } from './bin-argv.js';
export type { BinErrorCode } from './bin-argv.js';
