// One config file to validated objects and located problems. Pure in (path, text), so MeshConfig can reuse the
// result for every file that did not change between updates.
import { parseFile, type SourceDocument } from './documents.js';
import { guessKey, readEnvelope, type Envelope } from './envelope.js';
import { Fields, formatPath } from './fields.js';
import { readGatewaySpec } from './objects/gateway.js';
import type { ConfigObject, Source } from './objects/model.js';
import { readServiceEntrySpec } from './objects/service-entry.js';
import { readWorkloadSpec } from './objects/workload-entry.js';
import type { ConfigFile, ConfigProblem } from './types.js';

export interface FileResult {
  readonly file: string;
  readonly objects: readonly ConfigObject[];
  readonly problems: readonly ConfigProblem[];
  /** Keys of this file's objects that were rejected; their last good versions may still be served. */
  readonly rejected: readonly string[];
  /** A document could not be named (broken YAML or envelope): the file's last good objects that vanished stay. */
  readonly unidentified: boolean;
}

export function readConfigFile({ path, text }: ConfigFile): FileResult {
  const parsed = parseFile(path, text);
  const objects: ConfigObject[] = [];
  const problems: ConfigProblem[] = parsed.syntax.map((s) => ({ code: 'CONFIG_ERR_YAML', file: path, line: s.line, message: s.message }));
  const rejected: string[] = [];
  let unidentified = parsed.syntax.length > 0;
  for (const doc of parsed.documents) {
    const f = new Fields();
    const envelope = readEnvelope(doc, f);
    if (envelope === 'skip') continue;
    const object = envelope === undefined ? undefined : readObject(doc, envelope, f);
    if (object !== undefined && f.ok) {
      objects.push(object);
      continue;
    }
    const key = envelope?.key ?? guessKey(doc);
    if (envelope === undefined) unidentified = true;
    else rejected.push(envelope.key);
    for (const p of f.problems) {
      problems.push({ code: p.code, file: path, line: doc.lineOf(p.path), ...(key === undefined ? {} : { object: key }), ...(p.path.length === 0 ? {} : { field: formatPath(p.path) }), message: p.message });
    }
  }
  return { file: path, objects, problems, rejected, unidentified };
}

function readObject(doc: SourceDocument, envelope: Envelope, f: Fields): ConfigObject | undefined {
  const source: Source = { file: doc.file, line: doc.line, index: doc.index };
  const spec = (doc.value as Record<string, unknown>)['spec'];
  switch (envelope.kind) {
    case 'Namespace':
      return { kind: 'Namespace', envelope, source };
    case 'WorkloadEntry': {
      const s = readWorkloadSpec(spec, ['spec'], doc, f, envelope.labels);
      return s === undefined ? undefined : { kind: 'WorkloadEntry', envelope, source, spec: s };
    }
    case 'ServiceEntry': {
      const s = readServiceEntrySpec(spec, doc, f);
      return s === undefined ? undefined : { kind: 'ServiceEntry', envelope, source, ...s };
    }
    case 'Gateway': {
      const s = readGatewaySpec(spec, f);
      return s === undefined ? undefined : { kind: 'Gateway', envelope, source, ...s };
    }
    case 'AuthorizationPolicy':
    case 'PeerAuthentication':
      return { kind: envelope.kind, envelope, source, text: doc.text };
  }
}

/**
 * The objects of a file set that pass validation, each key once (its first definition in path order, as MeshConfig
 * serves it), for tools that look at the config as a whole (`ambientctl analyze`). Problems come from MeshConfig.
 */
export function readConfigObjects(files: readonly ConfigFile[]): ConfigObject[] {
  const seen = new Set<string>();
  const out: ConfigObject[] = [];
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    for (const o of readConfigFile(file).objects) {
      if (seen.has(o.envelope.key)) continue;
      seen.add(o.envelope.key);
      out.push(o);
    }
  }
  return out;
}
