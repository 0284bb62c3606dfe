// Reading YAML input named on the command line: a file as it is, a directory as ambientd reads its --config (every
// top-level *.yaml / *.yml, sorted by name). Names stay as the user wrote them joined with the file name, so
// messages point at paths the user recognises.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { usageError } from './errors.js';

export interface InputFile {
  /** As the user named it (joined with the file name for a directory). */
  readonly file: string;
  readonly text: string;
}

const YAML_FILE = /\.ya?ml$/i;

/** Reads each path (file or directory) relative to `cwd`; a missing or unreadable one is a usage error naming it. */
export async function readInputFiles(paths: readonly string[], cwd: string, flag: string): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    const info = await stat(absolute).catch((err: NodeJS.ErrnoException) => {
      throw usageError(`${flag} ${path}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
    });
    const names = info.isDirectory() ? (await readdir(absolute)).filter((n) => YAML_FILE.test(n) && !n.startsWith('.')).sort() : [''];
    for (const name of names) {
      const file = name === '' ? path : join(path, name);
      try {
        out.push({ file, text: await readFile(join(absolute, name), 'utf8') });
      } catch (err) {
        // A directory named like a YAML file is not input.
        if ((err as NodeJS.ErrnoException).code !== 'EISDIR') throw usageError(`${flag} ${file}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}
