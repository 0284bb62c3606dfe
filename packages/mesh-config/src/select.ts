// Which objects take part in an update: the first definition of each key, and the last good version of an object
// whose current version is rejected or whose file no longer parses far enough to name it.
import type { FileResult } from './read.js';
import type { ConfigObject } from './objects/model.js';
import type { ConfigProblem } from './types.js';

export interface Selection {
  /** Key → object, in file order (retained last good versions after the current ones). */
  readonly objects: ReadonlyMap<string, ConfigObject>;
  readonly problems: readonly ConfigProblem[];
  /** Keys served from their last good version. */
  readonly retained: ReadonlySet<string>;
}

export function selectObjects(results: readonly FileResult[], lastGood: ReadonlyMap<string, ConfigObject>): Selection {
  const objects = new Map<string, ConfigObject>();
  const problems: ConfigProblem[] = [];
  for (const r of results) {
    problems.push(...r.problems);
    for (const o of r.objects) {
      const first = objects.get(o.envelope.key);
      if (first === undefined) objects.set(o.envelope.key, o);
      else problems.push(duplicate(o, first));
    }
  }
  const retained = new Set<string>();
  const keep = (key: string) => {
    const old = lastGood.get(key);
    if (old === undefined || objects.has(key)) return;
    objects.set(key, old);
    retained.add(key);
  };
  for (const r of results) r.rejected.forEach(keep);
  const unreadable = new Set(results.filter((r) => r.unidentified).map((r) => r.file));
  for (const [key, old] of lastGood) if (unreadable.has(old.source.file)) keep(key);
  return { objects, problems, retained };
}

function duplicate(o: ConfigObject, first: ConfigObject): ConfigProblem {
  return {
    code: 'CONFIG_ERR_DUPLICATE', file: o.source.file, line: o.source.line, object: o.envelope.key, field: 'metadata.name',
    message: `also defined at ${first.source.file}:${first.source.line}, which is served`,
  };
}
