// Config directory → MeshConfig → xDS server: each re-read updates the served resources (vanished ones are
// removed), reports which types changed, and keeps the problems for /debug/config-errors.
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL } from '@ambient/api/security';
import type { ConfigFile, ConfigProblem, MeshConfig, ProblemCode, TranslatedConfig } from '@ambient/mesh-config';
import type { ResourceEntry, ResourceValue } from '@ambient/xds-server';
import { addressAliases } from './address-aliases.js';
import type { DirectoryRead } from './config-files.js';

/** What ambientd needs of @ambient/mesh-config's MeshConfig. */
export type ConfigTranslator = Pick<MeshConfig, 'update' | 'current' | 'hasWorkloadOnNode'>;

/** What ambientd needs of @ambient/xds-server's XdsServer. */
export interface ResourceSink {
  upsert(typeUrl: string, name: string, value: ResourceEntry): void;
  remove(typeUrl: string, name: string): void;
  versionOf(typeUrl: string, name: string): string | undefined;
}

/** A problem as /debug/config-errors lists it: MeshConfig's, or ambientd's own when reading the directory failed. */
export type ServedProblem = Omit<ConfigProblem, 'code'> & {
  readonly code: ProblemCode | 'AMBIENTD_ERR_CONFIG_READ' | 'AMBIENTD_ERR_CONFIG_DIR' | 'AMBIENTD_ERR_CONFIG_APPLY';
};

export interface SyncResult {
  /** Type URLs whose served resources changed. */
  readonly changedTypes: string[];
  readonly problems: readonly ServedProblem[];
  /** Milliseconds in MeshConfig.update and in handing the result to the xDS server. */
  readonly translateMs: number;
  readonly publishMs: number;
}

export class MeshSync {
  readonly #translator: ConfigTranslator;
  readonly #sink: ResourceSink;
  /** path → last text read, standing in for a file that could not be read this time. */
  #lastText = new Map<string, string>();
  #readProblems: ServedProblem[] = [];
  /** What was handed to the xDS server last, per type. */
  readonly #served = new Map<string, ReadonlyMap<string, ResourceValue>>();
  /** The aliases of the Addresses handed over last (on-demand lookup keys). */
  #servedAliases: ReadonlyMap<string, string[]> = new Map();

  constructor(translator: ConfigTranslator, sink: ResourceSink) {
    this.#translator = translator;
    this.#sink = sink;
  }

  /** Every problem of the config as last read: translation problems plus files or a directory that failed to read. */
  problems(): ServedProblem[] {
    return [...this.#readProblems, ...this.#translator.current().problems];
  }

  current(): TranslatedConfig {
    return this.#translator.current();
  }

  /** Translates a full read of the directory and hands the result to the xDS server. */
  apply(read: DirectoryRead): SyncResult {
    const files: ConfigFile[] = [...read.files];
    const problems: ServedProblem[] = [];
    for (const { path, reason } of read.unreadable) {
      const last = this.#lastText.get(path);
      if (last !== undefined) files.push({ path, text: last });
      problems.push({ code: 'AMBIENTD_ERR_CONFIG_READ', file: path, message: `cannot read ${path}, serving its last good version: ${reason}` });
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    this.#lastText = new Map(files.map((f) => [f.path, f.text]));
    this.#readProblems = problems;
    const t0 = performance.now();
    const translated = this.#translator.update(files);
    const t1 = performance.now();
    const changedTypes = [
      this.#publish(ADDRESS_TYPE_URL, translated.addresses, addressAliases(translated.addresses)),
      this.#publish(AUTHORIZATION_TYPE_URL, translated.authorizations),
    ].filter((t): t is string => t !== undefined);
    return { changedTypes, problems: this.problems(), translateMs: t1 - t0, publishMs: performance.now() - t1 };
  }

  /** The directory could not be listed, or translating it threw: keep serving, say so until a read succeeds. */
  failed(dir: string, err: Error, kind: 'directory' | 'apply' = 'directory'): void {
    this.#readProblems = [
      kind === 'directory'
        ? { code: 'AMBIENTD_ERR_CONFIG_DIR', file: dir, message: `cannot read the config directory, serving the last good config: ${err.message}` }
        : { code: 'AMBIENTD_ERR_CONFIG_APPLY', file: dir, message: `translating the config failed, serving the last good config: ${err.message}` },
    ];
  }

  /**
   * Hands one type's resources over name by name. MeshConfig returns the same object for what it did not rebuild
   * (its values are never mutated), so those are skipped without encoding; the server's content hash decides for
   * the rest. Returns the type URL when anything served changed.
   */
  #publish(typeUrl: string, resources: ReadonlyMap<string, ResourceValue>, aliases?: ReadonlyMap<string, string[]>): string | undefined {
    const previous = this.#served.get(typeUrl) ?? new Map<string, ResourceValue>();
    const previousAliases = this.#servedAliases;
    let changed = false;
    for (const [name, value] of resources) {
      const keys = aliases?.get(name);
      if (previous.get(name) === value && (keys ?? []).join('\n') === (previousAliases.get(name) ?? []).join('\n')) continue;
      const before = this.#sink.versionOf(typeUrl, name);
      this.#sink.upsert(typeUrl, name, keys ? { resource: value, aliases: keys } : value);
      if (this.#sink.versionOf(typeUrl, name) !== before) changed = true;
    }
    for (const name of previous.keys()) {
      if (resources.has(name)) continue;
      this.#sink.remove(typeUrl, name);
      changed = true;
    }
    this.#served.set(typeUrl, resources);
    if (aliases) this.#servedAliases = aliases;
    return changed ? typeUrl : undefined;
  }
}
