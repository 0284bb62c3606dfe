// `-o short|json|yaml`: one switch for every command that prints objects, so scripts get stable JSON and YAML.
import { stringify } from 'yaml';
import { usageError } from '../errors.js';

export const OUTPUT_MODES = ['short', 'json', 'yaml'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

/** Validates the `-o` value; anything else is a usage error naming the choices. */
export function parseOutputMode(value: string | undefined): OutputMode {
  const mode = value ?? 'short';
  if ((OUTPUT_MODES as readonly string[]).includes(mode)) return mode as OutputMode;
  throw usageError(`-o must be one of ${OUTPUT_MODES.join(', ')}, not "${mode}"`);
}

/** JSON with 2-space indentation and a final newline; YAML from the same value, so both carry the same data. */
export function formatData(mode: 'json' | 'yaml', value: unknown): string {
  return mode === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}

/** Prints `value` as JSON/YAML, or calls `short` for the table. */
export function render(mode: OutputMode, value: unknown, short: () => string): string {
  return mode === 'short' ? short() : formatData(mode, value);
}
