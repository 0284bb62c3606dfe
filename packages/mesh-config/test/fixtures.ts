// Loads the shared example configs under test/fixtures as ConfigFiles (paths relative to the package, as in messages).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigFile } from '../src/index.js';

export const QUICKSTART_DIR = join(import.meta.dirname, 'fixtures', 'quickstart');

export function quickstartFiles(): ConfigFile[] {
  return readdirSync(QUICKSTART_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ path: `quickstart/${f}`, text: readFileSync(join(QUICKSTART_DIR, f), 'utf8') }));
}

/** Replaces one file's text (or adds the file) in a file set. */
export function withFile(files: readonly ConfigFile[], path: string, text: string): ConfigFile[] {
  return [...files.filter((f) => f.path !== path), { path, text }];
}
