// Reads untyped YAML values as an API server would (types, unknown fields, required fields), collecting every
// problem with its code and field path so that one pass reports all of them.
import type { ProblemCode } from './problems.js';

export type FieldPath = readonly (string | number)[];

export interface FieldProblem {
  readonly code: ProblemCode;
  readonly path: FieldPath;
  readonly message: string;
}

/** 'spec.ports[0].number' */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

export type Mapping = Readonly<Record<string, unknown>>;

export class Fields {
  readonly problems: FieldProblem[] = [];

  add(code: ProblemCode, path: FieldPath, message: string): void {
    this.problems.push({ code, path, message });
  }

  get ok(): boolean {
    return this.problems.length === 0;
  }

  /** A mapping whose keys are all in `allowed`; undefined (silently) when absent or null. */
  mapping(value: unknown, path: FieldPath, allowed?: readonly string[]): Mapping | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.add('CONFIG_ERR_INVALID_FIELD', path, `must be a mapping, got ${describe(value)}`);
      return undefined;
    }
    const record = value as Mapping;
    if (allowed !== undefined) {
      for (const key of Object.keys(record)) {
        if (!allowed.includes(key)) this.add('CONFIG_ERR_INVALID_FIELD', [...path, key], `unknown field; expected one of ${allowed.join(', ')}`);
      }
    }
    return record;
  }

  string(value: unknown, path: FieldPath): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    const hint = typeof value === 'number' || typeof value === 'boolean' ? ` (quote it: "${String(value)}")` : '';
    this.add('CONFIG_ERR_INVALID_FIELD', path, `must be a string${hint}, got ${describe(value)}`);
    return undefined;
  }

  /** A non-empty string, reported as missing when absent or empty. */
  required(value: unknown, path: FieldPath): string | undefined {
    const s = this.string(value, path);
    if (s === undefined || s === '') {
      if (value === undefined || value === null || value === '') this.add('CONFIG_ERR_MISSING_FIELD', path, 'is required');
      return undefined;
    }
    return s;
  }

  list(value: unknown, path: FieldPath): readonly unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.add('CONFIG_ERR_INVALID_FIELD', path, `must be a list, got ${describe(value)}`);
    return [];
  }

  strings(value: unknown, path: FieldPath): string[] {
    const out: string[] = [];
    this.list(value, path).forEach((item, i) => {
      const s = this.required(item, [...path, i]);
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  /** A string-to-string mapping such as labels; numbers and booleans must be quoted, as the API server demands. */
  labels(value: unknown, path: FieldPath): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.mapping(value, path) ?? {})) {
      const s = this.string(v ?? '', [...path, k]);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }

  /** A port number 1..65535 (integers only; a numeric string is refused as the API server would). */
  port(value: unknown, path: FieldPath): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) return value;
    this.add('CONFIG_ERR_BAD_PORT', path, `${describe(value)} is not a port: expected a number from 1 to 65535`);
    return undefined;
  }

  /** A non-negative 32-bit integer such as a weight. */
  uint32(value: unknown, path: FieldPath): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return value;
    this.add('CONFIG_ERR_INVALID_FIELD', path, `must be an integer from 0 to 4294967295, got ${describe(value)}`);
    return undefined;
  }
}
