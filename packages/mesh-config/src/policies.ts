// AuthorizationPolicy and PeerAuthentication through @ambient/l4-authz/yaml, keeping the last good version of a
// policy that is rejected now, and naming each rejection with the code of what is wrong.
import type { AuthzError } from '@ambient/l4-authz';
import { translatePolicyFiles, type Translation } from '@ambient/l4-authz/yaml';
import type { PolicyObject } from './objects/model.js';
import type { ProblemCode } from './problems.js';
import type { ConfigProblem } from './types.js';

export interface PolicyResult {
  readonly translation: Translation;
  /** The policy objects whose resources are served (current good ones and retained last good ones). */
  readonly served: readonly PolicyObject[];
  readonly problems: readonly ConfigProblem[];
  /** Keys served from a last good version. */
  readonly retained: ReadonlySet<string>;
}

export function translatePolicies(current: readonly PolicyObject[], lastGood: ReadonlyMap<string, PolicyObject>, rootNamespace: string): PolicyResult {
  const first = run(current, rootNamespace);
  const problems = first.errors.map(toProblem);
  const rejected = new Set(problems.map((p) => p.object).filter((o) => o !== undefined));
  if (rejected.size === 0) return { translation: first, served: current, problems, retained: new Set() };
  const good = current.filter((o) => !rejected.has(o.envelope.key));
  const kept = [...rejected].map((key) => lastGood.get(key)).filter((o) => o !== undefined);
  if (kept.length === 0) return { translation: first, served: good, problems, retained: new Set() };
  const served = [...good, ...kept];
  return { translation: run(served, rootNamespace), served, problems, retained: new Set(kept.map((o) => o.envelope.key)) };
}

/** Per AuthorizationPolicy object: objects of unchanged files are the same objects, so an edit re-translates one file. */
const translated = new WeakMap<PolicyObject, { rootNamespace: string; translation: Translation }>();

/**
 * translatePolicyFiles over all objects at once gives the same result: it converts each AuthorizationPolicy on its
 * own and derives policies from the PeerAuthentications together, which is what this composes.
 */
function run(objects: readonly PolicyObject[], rootNamespace: string): Translation {
  const parts = objects.filter((o) => o.kind === 'AuthorizationPolicy').map((o) => translateOne(o, rootNamespace));
  const peer = translatePolicyFiles(objects.filter((o) => o.kind === 'PeerAuthentication').map(fileOf), { rootNamespace });
  const policies = [...parts.flatMap((t) => t.policies), ...peer.policies];
  policies.sort((a, b) => compare(`${a.authorization.namespace}/${a.authorization.name}`, `${b.authorization.namespace}/${b.authorization.name}`));
  return {
    rootNamespace, policies, errors: [...parts.flatMap((t) => t.errors), ...peer.errors],
    notices: [...parts.flatMap((t) => t.notices), ...peer.notices], peerAuthentications: peer.peerAuthentications,
  };
}

function translateOne(o: PolicyObject, rootNamespace: string): Translation {
  const cached = translated.get(o);
  if (cached?.rootNamespace === rootNamespace) return cached.translation;
  const translation = translatePolicyFiles([fileOf(o)], { rootNamespace });
  translated.set(o, { rootNamespace, translation });
  return translation;
}

function fileOf(o: PolicyObject): { file: string; text: string } {
  return { file: o.source.file, text: o.text };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toProblem(e: AuthzError): ConfigProblem {
  const { file = '', line, object, path } = e.location;
  return {
    code: codeOf(e, path), file, ...(line === undefined ? {} : { line }), ...(object === undefined ? {} : { object }),
    ...(path === undefined || path === '' ? {} : { field: path }), message: problemText(e),
  };
}

/** The l4-authz message carries its location as a prefix; the problem carries it in fields. */
function problemText(e: AuthzError): string {
  const { file, line, object, path } = e.location;
  const prefix = [file === undefined ? undefined : line === undefined ? file : `${file}:${line}`, object, path].filter((s) => s !== undefined && s !== '').join(': ');
  return prefix !== '' && e.message.startsWith(`${prefix}: `) ? e.message.slice(prefix.length + 2) : e.message;
}

function codeOf(e: AuthzError, path: string | undefined): ProblemCode {
  if (e.code === 'AUTHZ_ERR_YAML_SYNTAX') return 'CONFIG_ERR_YAML';
  const message = problemText(e);
  if (/ipBlocks\[\d+\]$|IpBlocks\[\d+\]$/.test(path ?? '') || /CIDR/.test(message)) return 'CONFIG_ERR_BAD_CIDR';
  if (/IP address/.test(message)) return 'CONFIG_ERR_BAD_ADDRESS';
  if (/[pP]orts\[\d+\]$/.test(path ?? '') || /\bport\b/.test(message)) return 'CONFIG_ERR_BAD_PORT';
  if (/is required|must be set/.test(message)) return 'CONFIG_ERR_MISSING_FIELD';
  return 'CONFIG_ERR_POLICY';
}
