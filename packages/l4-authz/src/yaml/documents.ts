// Multi-document YAML text to plain values, keeping enough of the syntax tree to give every error a line number.
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { AuthzError } from '../errors.js';

export type FieldPath = readonly (string | number)[];

export interface YamlDocument {
  readonly file: string;
  /** The document as plain data (mappings become objects); null for an empty document. */
  readonly value: unknown;
  /** 1-based line where the document starts. */
  readonly line: number;
  /** 1-based line of the node at `path`, or of its nearest existing parent. */
  lineOf(path: FieldPath): number;
}

export interface ParsedYaml {
  readonly documents: readonly YamlDocument[];
  readonly errors: readonly AuthzError[];
}

/** Parses every document of `text`; a document with a syntax error is reported and left out, the rest still count. */
export function parseYamlDocuments(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const documents: YamlDocument[] = [];
  const errors: AuthzError[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false })) {
    const start = doc.contents?.range[0] ?? doc.range[0];
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const line = lineAt(e.pos[0]);
        errors.push(new AuthzError('AUTHZ_ERR_YAML_SYNTAX', `${file}:${line}: ${firstLine(e.message)}`, { file, line }));
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      const line = lineAt(start);
      errors.push(new AuthzError('AUTHZ_ERR_YAML_SYNTAX', `${file}:${line}: ${(cause as Error).message}`, { file, line }, { cause }));
      continue;
    }
    documents.push({ file, value, line: lineAt(start), lineOf: (path) => lineOfPath(doc, path, lineAt, start) });
  }
  return { documents, errors };
}

function lineOfPath(doc: Document, path: FieldPath, lineAt: (offset: number) => number, fallback: number): number {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range !== undefined) return lineAt(range[0]);
  }
  return lineAt(fallback);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
