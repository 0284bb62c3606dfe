// A local xDS file (Istio ztunnel's LOCAL_XDS_PATH / LOCAL_XDS YAML, its `LocalConfig`: `workloads`, `services`,
// `policies`) to the Address and Authorization messages xDS would carry, each named as istiod names it. Pure: text in,
// messages or every problem (with the path of its field) out.
import type { Authorization } from '@ambient/api/security';
import { create } from '@bufbuild/protobuf';
import { AddressSchema, type Address } from '@ambient/api/workload';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { fieldPath, FieldReader } from './fields.js';
import { localPolicy } from './policy.js';
import { localService } from './service.js';
import { localWorkload } from './workload.js';

/** One resource with its xDS name (workload uid, `namespace/hostname`, `namespace/name`) and where the file gave it. */
export interface LocalResource<T> {
  readonly name: string;
  readonly path: string;
  readonly value: T;
}

export interface LocalXdsConfig {
  /** Workloads first, then services, in file order. */
  readonly addresses: readonly LocalResource<Address>[];
  readonly authorizations: readonly LocalResource<Authorization>[];
  /** The document as written (workloads, services, policies), for /config_dump's `staticConfig`. */
  readonly document: Readonly<Record<string, unknown>>;
}

export type LocalXdsResult = { readonly config: LocalXdsConfig } | { readonly problems: readonly string[] };

/** More YAML nodes than this (aliases count each time they are used) is refused, so a billion laughs cannot stall start-up. */
const MAX_NODES = 100_000;

export function parseLocalXds(text: string): LocalXdsResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, version: '1.2', lineCounter: lines });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const message = (syntax.message.split('\n')[0] ?? syntax.message).replace(/ at line \d+, column \d+:?$/, '');
    return { problems: [`line ${lines.linePos(syntax.pos[0]).line}: not YAML: ${message}`] };
  }
  const f = new FieldReader();
  const budget = { nodes: 0 };
  let root: unknown;
  try {
    root = plain(doc, doc.contents, budget);
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
  if (root !== null && typeof root === 'object' && !Array.isArray(root)) {
    return convert(f, f.mapping(root, '', ['workloads', 'services', 'policies']) ?? {});
  }
  if (root !== null && root !== undefined) f.problem('(top level)', 'must be a mapping with workloads, services and policies (ztunnel\'s LocalConfig)');
  return convert(f, {});
}

function convert(f: FieldReader, m: Readonly<Record<string, unknown>>): LocalXdsResult {
  const addresses: LocalResource<Address>[] = [];
  const authorizations: LocalResource<Authorization>[] = [];
  const seen = new Map<string, string>();
  const add = <T>(out: LocalResource<T>[], kind: string, name: string, path: string, value: T): void => {
    const earlier = seen.get(`${kind}:${name}`);
    if (earlier !== undefined) f.problem(path, `${kind} "${name}" is also ${earlier}`);
    seen.set(`${kind}:${name}`, path);
    out.push({ name, path, value });
  };
  f.list(m['workloads'], 'workloads').forEach((v, i) => {
    const path = fieldPath('workloads', i);
    const w = localWorkload(f, v, path);
    if (w) add(addresses, 'workload uid', w.uid, path, create(AddressSchema, { type: { case: 'workload', value: w } }));
  });
  f.list(m['services'], 'services').forEach((v, i) => {
    const path = fieldPath('services', i);
    const s = localService(f, v, path);
    if (s) add(addresses, 'service', `${s.namespace}/${s.hostname}`, path, create(AddressSchema, { type: { case: 'service', value: s } }));
  });
  f.list(m['policies'], 'policies').forEach((v, i) => {
    const path = fieldPath('policies', i);
    const p = localPolicy(f, v, path);
    if (p) add(authorizations, 'policy', `${p.namespace}/${p.name}`, path, p);
  });
  return f.problems.length > 0 ? { problems: f.problems } : { config: { addresses, authorizations, document: m } };
}

/**
 * The document as plain values. A local tag becomes serde's externally tagged enum (`!Exact x` → `{Exact: x}`), as
 * serde_yaml reads it; mapping keys become strings (`80: 8080` → `{"80": 8080}`).
 */
function plain(doc: Document, node: unknown, budget: { nodes: number }): unknown {
  if (++budget.nodes > MAX_NODES) throw new Error(`more than ${MAX_NODES} YAML nodes (aliases counted at each use)`);
  if (isAlias(node)) return plain(doc, node.resolve(doc), budget);
  let value: unknown;
  if (isScalar(node)) value = node.value;
  else if (isSeq(node)) value = node.items.map((item) => plain(doc, item, budget));
  else if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = plain(doc, pair.key, budget);
      if (key !== null && typeof key === 'object') throw new Error('a mapping key is itself a mapping or a list; keys must be names or numbers');
      Object.defineProperty(out, String(key), { value: plain(doc, pair.value, budget), enumerable: true, writable: true, configurable: true });
    }
    value = out;
  } else return null;
  const tag = (node as { tag?: string }).tag;
  return tag !== undefined && /^![A-Za-z]+$/.test(tag) ? { [tag.slice(1)]: value } : value;
}
