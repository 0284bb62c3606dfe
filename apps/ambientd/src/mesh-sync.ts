// Config directory → MeshConfig → xDS server: each re-read replaces the served resources (vanished ones are
// removed), reports which types changed, and keeps the problems for /debug/config-errors.
import { ADDRESS_TYPE_URL } from '@ambient/api/workload';
import { AUTHORIZATION_TYPE_URL } from '@ambient/api/security';
import type { ConfigFile, ConfigProblem, MeshConfig, ProblemCode, TranslatedConfig } from '@ambient/mesh-config';
import type { ResourceValue } from '@ambient/xds-server';
import type { DirectoryRead } from './config-files.js';

/** What ambientd needs of @ambient/mesh-config's MeshConfig. */
export type ConfigTranslator = Pick<MeshConfig, 'update' | 'current' | 'hasWorkloadOnNode'>;

/** What ambientd needs of @ambient/xds-server's XdsServer. */
export interface ResourceSink {
  setResources(typeUrl: string, resources: ReadonlyMap<string, ResourceValue>): void;
  versionOf(typeUrl: string, name: string): string | undefined;
}

/** A problem as /debug/config-errors lists it: MeshConfig's, or ambientd's own when reading the directory failed. */
export type ServedProblem = Omit<ConfigProblem, 'code'> & { readonly code: ProblemCode | 'AMBIENTD_ERR_CONFIG_READ' | 'AMBIENTD_ERR_CONFIG_DIR' };

export interface SyncResult {
  /** Type URLs whose served resources changed. */
  readonly changedTypes: string[];
  readonly problems: readonly ServedProblem[];
}

export class MeshSync {
  readonly #translator: ConfigTranslator;
  readonly #sink: ResourceSink;
  /** path → last text read, standing in for a file that could not be read this time. */
  #lastText = new Map<string, string>();
  #readProblems: ServedProblem[] = [];
  /** Resources served per type, to notice removals without listing the store. */
  readonly #servedCount = new Map<string, number>();

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
    const translated = this.#translator.update(files);
    const changedTypes = [
      this.#replace(ADDRESS_TYPE_URL, translated.addresses),
      this.#replace(AUTHORIZATION_TYPE_URL, translated.authorizations),
    ].filter((t): t is string => t !== undefined);
    return { changedTypes, problems: this.problems() };
  }

  /** The directory could not be listed: keep serving, say so until a read succeeds. */
  failed(dir: string, err: Error): void {
    this.#readProblems = [{ code: 'AMBIENTD_ERR_CONFIG_DIR', file: dir, message: `cannot read the config directory, serving the last good config: ${err.message}` }];
  }

  #replace(typeUrl: string, resources: ReadonlyMap<string, ResourceValue>): string | undefined {
    const before = new Map<string, string | undefined>();
    for (const name of resources.keys()) before.set(name, this.#sink.versionOf(typeUrl, name));
    this.#sink.setResources(typeUrl, resources);
    // Names that vanished also count as a change; setResources removed them.
    let changed = this.#servedCount.get(typeUrl) !== resources.size;
    for (const [name, version] of before) if (!changed && this.#sink.versionOf(typeUrl, name) !== version) changed = true;
    this.#servedCount.set(typeUrl, resources.size);
    return changed ? typeUrl : undefined;
  }
}
