// Flag parsing for the hbone command: strict, and every mistake becomes one sentence and exit code 2.
import { readFileSync } from 'node:fs';
import { parseHostPort, type HostPort } from '@ambient/core';
import type { TlsMaterial } from '../peer.js';

export class UsageError extends Error {}

/** Runs a `parseArgs` call, turning its errors into one-sentence usage errors. */
export function parseFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

export function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

/** HOST:PORT; port 0 (any free port) only where `allowAnyPort` says so (listen addresses). */
export function hostPort(value: string | undefined, flag: string, allowAnyPort = false): HostPort {
  const parsed = parseHostPort(required(value, flag));
  if (!parsed || (parsed.port === 0 && !allowAnyPort)) throw new UsageError(`${flag} must be HOST:PORT (IPv6 in brackets), got "${value}"`);
  return parsed;
}

/** Reads --cert, --key and --ca, naming the flag whose file is missing or unreadable. */
export function readTls(values: { cert?: string | undefined; key?: string | undefined; ca?: string | undefined }): TlsMaterial {
  const read = (flag: '--cert' | '--key' | '--ca', file: string | undefined) => {
    const path = required(file, flag);
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
  };
  return { cert: read('--cert', values.cert), key: read('--key', values.key), ca: read('--ca', values.ca) };
}
