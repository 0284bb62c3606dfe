// The config directory: a full read of its *.yaml / *.yml files, and a watcher that re-reads it after changes.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigFile } from '@ambient/mesh-config';
import { hasCode } from '@ambient/core';
import { AmbientdError } from './errors.js';

const YAML_FILE = /\.ya?ml$/i;

export interface DirectoryRead {
  readonly files: ConfigFile[];
  /** Files listed but unreadable (permissions, removed mid-read): they keep their last good objects. */
  readonly unreadable: { readonly path: string; readonly reason: string }[];
}

/** Throws AMBIENTD_ERR_CONFIG_DIR when `dir` is not a readable directory. */
export async function checkConfigDir(dir: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new AmbientdError('AMBIENTD_ERR_CONFIG_DIR', `--config ${dir}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`, { cause: err });
  });
  if (!info.isDirectory()) throw new AmbientdError('AMBIENTD_ERR_CONFIG_DIR', `--config ${dir} is not a directory`);
}

/** Reads every top-level YAML file, sorted by name so translation order (and conflict winners) is stable. */
export async function readConfigDir(dir: string): Promise<DirectoryRead> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => YAML_FILE.test(n) && !n.startsWith('.')).sort();
  } catch (err) {
    throw new AmbientdError('AMBIENTD_ERR_CONFIG_DIR', `cannot list the config directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const files: ConfigFile[] = [];
  const unreadable: DirectoryRead['unreadable'] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      files.push({ path, text: await readFile(path, 'utf8') });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // EISDIR: a directory named like a YAML file is not config; ENOENT: deleted between listing and reading.
      if (code !== 'EISDIR' && code !== 'ENOENT') unreadable.push({ path, reason: (err as Error).message });
    }
  }
  return { files, unreadable };
}

export interface ConfigWatcherOptions {
  readonly dir: string;
  /** Quiet time after the last event before re-reading (editors write a file in several steps). */
  readonly debounceMs?: number;
  /** Called with each complete re-read; never overlapping. */
  readonly onRead: (read: DirectoryRead) => void;
  /** The directory vanished or could not be listed, or applying a read threw: the last config stays served. */
  readonly onError: (err: Error, kind: 'directory' | 'apply') => void;
  /** How often to look for a vanished directory again (default 500 ms). */
  readonly retryMs?: number;
}

/**
 * fs.watch on the directory, debounced, then one full re-read; events during a read cause one more read. When the
 * directory goes away (or cannot be listed) the last config stays served and the watch is re-established once a
 * directory is back under that path, followed by a read.
 */
export class ConfigWatcher {
  readonly #options: ConfigWatcherOptions;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(options: ConfigWatcherOptions) {
    this.#options = options;
    if (!this.#watch()) this.#lost(new Error(`cannot watch ${options.dir}`));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#retry);
    this.#watcher?.close();
  }

  #watch(): boolean {
    try {
      const watcher = watch(this.#options.dir, { persistent: false }, () => this.#schedule());
      watcher.on('error', (err) => this.#lost(err));
      this.#watcher = watcher;
      return true;
    } catch {
      return false;
    }
  }

  /** Reports once, then tries to watch again every `retryMs` until it works. */
  #lost(err: Error): void {
    if (this.#closed) return;
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#retry) return;
    this.#options.onError(err, 'directory');
    const retry = (): void => {
      if (this.#closed) return;
      if (this.#watch()) {
        this.#retry = undefined;
        this.#schedule();
      } else this.#retry = setTimeout(retry, this.#options.retryMs ?? 500);
    };
    this.#retry = setTimeout(retry, this.#options.retryMs ?? 500);
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#read(), this.#options.debounceMs ?? 50);
  }

  #read(): void {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    // A failing read or apply reaches onError and never the process: a broken edit must not take the mesh down.
    this.#reading = readConfigDir(this.#options.dir)
      .then((read) => {
        if (!this.#closed) this.#options.onRead(read);
      })
      .catch((err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        if (hasCode(err, 'AMBIENTD_ERR_CONFIG_DIR')) this.#lost(error);
        else if (!this.#closed) this.#options.onError(error, 'apply');
      })
      .finally(() => {
        this.#reading = undefined;
        if (this.#again && !this.#closed) {
          this.#again = false;
          this.#read();
        }
      });
  }
}
