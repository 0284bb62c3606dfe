// Reading untyped YAML values with the checks a Kubernetes API server would make (types, unknown fields), collecting
// every problem with its field path instead of stopping at the first.
import type { FieldPath } from './documents.js';

export interface FieldProblem {
  readonly path: FieldPath;
  readonly message: string;
}

/** 'spec.rules[0].from[1].source' */
export function formatPath(path: FieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

export class FieldReader {
  readonly problems: FieldProblem[] = [];

  problem(path: FieldPath, message: string): void {
    this.problems.push({ path, message });
  }

  /** A mapping, or undefined (with a problem) when the value is something else; absent values are undefined silently. */
  object(value: unknown, path: FieldPath, allowed?: readonly string[]): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problem(path, `must be a mapping, got ${describe(value)}`);
      return undefined;
    }
    const record = value as Record<string, unknown>;
    if (allowed !== undefined) {
      for (const key of Object.keys(record)) {
        if (!allowed.includes(key)) this.problem([...path, key], `unknown field; expected one of ${allowed.join(', ')}`);
      }
    }
    return record;
  }

  string(value: unknown, path: FieldPath): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    const hint = typeof value === 'number' || typeof value === 'boolean' ? ` (quote it: "${String(value)}")` : '';
    this.problem(path, `must be a string${hint}, got ${describe(value)}`);
    return undefined;
  }

  /** A list of strings; a null or absent list is empty, as the API server treats it. */
  strings(value: unknown, path: FieldPath): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(path, `must be a list of strings, got ${describe(value)}`);
      return [];
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      const s = this.string(item, [...path, i]);
      if (s !== undefined) out.push(s);
      else if (item === null || item === undefined) this.problem([...path, i], 'must be a string, got null');
    });
    return out;
  }

  /** A list of anything (each item checked by the caller); null or absent is empty. */
  list(value: unknown, path: FieldPath): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(path, `must be a list, got ${describe(value)}`);
      return [];
    }
    return value;
  }

  /** A string-to-string mapping such as labels. */
  stringMap(value: unknown, path: FieldPath): Record<string, string> | undefined {
    const record = this.object(value, path);
    if (record === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(record)) {
      const s = this.string(v, [...path, k]);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
}
