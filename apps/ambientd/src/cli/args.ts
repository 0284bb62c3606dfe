// Flag parsing shared by ambientd's commands: strict, and every mistake becomes one sentence and exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` strictly; returns the flags as an env-like map keyed `--flag`. */
export function flagMap(argv: readonly string[], options: Options): Record<string, string | undefined> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const map: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(values)) if (typeof value === 'string') map[`--${name}`] = value;
  return map;
}

/** Every flag of a command takes a value. */
export function stringFlags(names: readonly string[]): Options {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' as const }]));
}
