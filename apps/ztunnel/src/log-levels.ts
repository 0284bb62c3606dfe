// Log levels per module, as ztunnel's admin /logging sets them (reference §1.10): `level=debug` sets every module,
// `level=access:debug,dns:off` only those named, `reset` returns to the level ztunnel started with. Each module logs
// through a child of the root logger, and every line says which module wrote it (`target`, as ztunnel's JSON logs).
import type { Logger } from '@ambient/core';

/**
 * The modules: `access` the access log (connection opened/complete/failed), `dns` the DNS proxy, `xds` the control
 * plane stream, `proxy` everything else (listeners, capture, certificates, policy re-checks).
 */
export const LOG_MODULES = ['access', 'dns', 'xds', 'proxy'] as const;
export type LogModule = (typeof LOG_MODULES)[number];

/** Levels as ztunnel names them; `off` is pino's `silent`. */
export const ADMIN_LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace', 'off'] as const;
type AdminLevel = (typeof ADMIN_LOG_LEVELS)[number];

const toPino = (level: AdminLevel): string => (level === 'off' ? 'silent' : level);
const fromPino = (level: string): string => (level === 'silent' ? 'off' : level);

export class LogLevels {
  readonly #loggers: ReadonlyMap<LogModule, Logger>;
  readonly #startLevel: string;

  constructor(root: Logger) {
    this.#startLevel = root.level;
    this.#loggers = new Map(LOG_MODULES.map((module) => [module, root.child({ target: module }, { level: root.level })]));
  }

  /** The logger a module writes with. */
  for(module: LogModule): Logger {
    return this.#loggers.get(module) as Logger;
  }

  /** `info` when every module logs at one level, else the general (`proxy`) level then the others: `debug,access=info`. */
  describe(): string {
    const base = fromPino(this.for('proxy').level);
    const others = LOG_MODULES.flatMap((module) => {
      const level = fromPino(this.for(module).level);
      return level === base ? [] : [`${module}=${level}`];
    });
    return [base, ...others].join(',');
  }

  /**
   * Applies `level` (all modules) or `module:level,…` (those modules); nothing changes unless every part is valid.
   * Returns what is wrong, or undefined when applied.
   */
  apply(spec: string): string | undefined {
    const changes: [LogModule | undefined, AdminLevel][] = [];
    for (const part of spec.split(',')) {
      const sep = part.search(/[:=]/);
      const [module, level] = sep === -1 ? [undefined, part.trim()] : [part.slice(0, sep).trim(), part.slice(sep + 1).trim()];
      if (module !== undefined && !(LOG_MODULES as readonly string[]).includes(module)) {
        return `unknown module "${module}": use one of ${LOG_MODULES.join(', ')}`;
      }
      if (!(ADMIN_LOG_LEVELS as readonly string[]).includes(level)) return `unknown level "${level}": use one of ${ADMIN_LOG_LEVELS.join(', ')}`;
      changes.push([module as LogModule | undefined, level as AdminLevel]);
    }
    for (const [module, level] of changes) {
      for (const target of module === undefined ? LOG_MODULES : [module]) this.for(target).level = toPino(level);
    }
    return undefined;
  }

  /** Every module back to the level ztunnel started with. */
  reset(): void {
    for (const module of LOG_MODULES) this.for(module).level = this.#startLevel;
  }
}
