// The config convention: each app parses one env-like map (flags and environment already merged into
// strings) with a pure reader, collects every problem at once, and freezes the result.
import { AmbientError } from './errors.js';

export type ConfigErrorCode = 'CONFIG_ERR_INVALID';

export class ConfigError extends AmbientError<ConfigErrorCode> {
  static override readonly family: string = 'CONFIG';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CONFIG_ERR_INVALID', problems.join('; '));
    this.problems = problems;
  }
}

export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Reads typed values from an env-like map; call `done()` to throw one ConfigError naming every bad key. */
export class ConfigReader {
  readonly #env: EnvMap;
  readonly #problems: string[] = [];

  constructor(env: EnvMap) {
    this.#env = env;
  }

  string(key: string, fallback?: string): string {
    const raw = this.#raw(key);
    if (raw !== undefined) return raw;
    if (fallback === undefined) this.#problems.push(`${key} is required`);
    return fallback ?? '';
  }

  optional(key: string): string | undefined {
    return this.#raw(key);
  }

  int(key: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.#raw(key);
    if (raw === undefined) return fallback;
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.#problems.push(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  bool(key: string, fallback: boolean): boolean {
    const raw = this.#raw(key);
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.#problems.push(`${key} must be true or false, got "${raw}"`);
    return fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const raw = this.#raw(key);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.#problems.push(`${key} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  }

  /**
   * A duration as Istio's settings write them (Go's time.ParseDuration, without fractions): one or more
   * number-and-unit parts, units ms, s, m, h (`24h`, `1h30m`, `500ms`). Returns milliseconds.
   */
  duration(key: string, fallbackMs: number, range: { minMs?: number; maxMs?: number } = {}): number {
    const raw = this.#raw(key);
    if (raw === undefined) return fallbackMs;
    const value = parseDuration(raw);
    const { minMs = 0, maxMs = Number.MAX_SAFE_INTEGER } = range;
    if (value === undefined || value < minMs || value > maxMs) {
      this.#problems.push(`${key} must be a duration such as 30s, 90m or 24h (units ms, s, m, h) from ${formatDuration(minMs)} to ${formatDuration(maxMs)}, got "${raw}"`);
      return fallbackMs;
    }
    return value;
  }

  /** HOST:PORT with no scheme; IPv6 hosts in brackets ([::1]:15000). */
  hostPort(key: string, fallback: string): HostPort {
    const raw = this.#raw(key) ?? fallback;
    const parsed = parseHostPort(raw);
    if (parsed === undefined) {
      this.#problems.push(`${key} must be HOST:PORT with a port from 0 to 65535, got "${raw}"`);
      return { host: '', port: 0 };
    }
    return parsed;
  }

  list(key: string, fallback: readonly string[] = []): string[] {
    const raw = this.#raw(key);
    if (raw === undefined) return [...fallback];
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  /** Records a problem found by the caller's own cross-field checks. */
  problem(message: string): void {
    this.#problems.push(message);
  }

  /** Throws one ConfigError listing every problem, or returns the value frozen deeply. */
  done<T extends object>(value: T): Readonly<T> {
    if (this.#problems.length > 0) throw new ConfigError([...this.#problems]);
    return deepFreeze(value);
  }

  #raw(key: string): string | undefined {
    const value = this.#env[key];
    return value === undefined || value === '' ? undefined : value;
  }
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `24h`, `1h30m`, `500ms` → milliseconds; undefined for anything else (no sign, no fraction, no bare number). */
export function parseDuration(raw: string): number | undefined {
  if (!/^(\d+(ms|s|m|h))+$/.test(raw)) return undefined;
  let total = 0;
  for (const [, digits, unit] of raw.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(digits) * (DURATION_UNITS_MS[unit ?? ''] ?? Number.NaN);
  return Number.isSafeInteger(total) ? total : undefined;
}

function formatDuration(ms: number): string {
  if (ms >= Number.MAX_SAFE_INTEGER) return 'any length';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export function parseHostPort(raw: string): HostPort | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]+)):(\d{1,5})$/.exec(raw);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

export function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
