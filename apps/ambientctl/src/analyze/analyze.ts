// `ambientctl analyze` in one pure function: the files go through what ambientd itself runs (MeshConfig's
// validation and translation, l4-authz's policy translation), then through the whole-config analyzers.
import { MeshConfig, readConfigObjects, type ConfigFile, type ConfigProblem } from '@ambient/mesh-config';
import { translatePolicyFiles } from '@ambient/l4-authz/yaml';
import { ANALYZERS } from './analyzers.js';
import { buildMeshView } from './mesh-view.js';
import { ANALYZER_CODES, byLocation, problemLevel, type AnalysisMessage } from './messages.js';

export interface AnalyzeOptions {
  /** Policies here without a selector are mesh-wide; ambientd's --root-namespace (default istio-system). */
  readonly rootNamespace?: string;
}

export function analyzeFiles(files: readonly ConfigFile[], options: AnalyzeOptions = {}): AnalysisMessage[] {
  const rootNamespace = options.rootNamespace ?? 'istio-system';
  const validation = new MeshConfig({ rootNamespace }).update(files).problems.map(fromProblem);
  const objects = readConfigObjects(files);
  const policyFiles = objects.flatMap((o) => (o.kind === 'AuthorizationPolicy' || o.kind === 'PeerAuthentication' ? [{ file: o.source.file, text: o.text }] : []));
  const translation = translatePolicyFiles(policyFiles, { rootNamespace });
  const notices: AnalysisMessage[] = translation.notices.map((n) => ({
    code: 'ANALYZE_POLICY_NOT_ENFORCED', level: ANALYZER_CODES.ANALYZE_POLICY_NOT_ENFORCED.level,
    ...(n.location.object === undefined ? {} : { origin: n.location.object }),
    file: n.location.file ?? '', ...(n.location.line === undefined ? {} : { line: n.location.line }), message: n.message,
  }));
  const view = buildMeshView(objects, translation);
  return [...validation, ...notices, ...ANALYZERS.flatMap((analyze) => analyze(view))].sort(byLocation);
}

function fromProblem(p: ConfigProblem): AnalysisMessage {
  return {
    code: p.code, level: problemLevel(p.code), ...(p.object === undefined ? {} : { origin: p.object }), file: p.file,
    ...(p.line === undefined ? {} : { line: p.line }), message: p.field === undefined ? p.message : `${p.field}: ${p.message}`,
  };
}
