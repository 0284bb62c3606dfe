// One YAML file to its documents as plain values, each able to give the line of any field, and its own text so a
// single object can be handed on (to @ambient/l4-authz/yaml) or kept as a last good version.
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { FieldPath } from './fields.js';

export interface SourceDocument {
  readonly file: string;
  /** Position in the file, 0-based; part of the object's identity in messages about duplicates. */
  readonly index: number;
  /** Plain data (mappings become objects); null for an empty document. */
  readonly value: unknown;
  /** 1-based line where the document's content starts. */
  readonly line: number;
  /** The document's text preceded by blank lines, so parsing it alone gives the same line numbers. */
  readonly text: string;
  /** 1-based line of the node at `path`, or of its nearest existing parent. */
  lineOf(path: FieldPath): number;
}

export interface SyntaxProblem {
  readonly line: number;
  readonly message: string;
}

export interface ParsedFile {
  readonly documents: readonly SourceDocument[];
  /** Documents left out because they do not parse; the file's other documents still count. */
  readonly syntax: readonly SyntaxProblem[];
}

export function parseFile(file: string, text: string): ParsedFile {
  const counter = new LineCounter();
  const lineAt = (offset: number) => counter.linePos(offset).line;
  const documents: SourceDocument[] = [];
  const syntax: SyntaxProblem[] = [];
  let index = 0;
  for (const doc of parseAllDocuments(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false })) {
    const i = index++;
    const error = doc.errors[0];
    if (error !== undefined) {
      // Later errors of a document mostly follow from the first; the document's start helps when the parser only
      // notices a missing bracket at the end of the file.
      const from = lineAt(doc.range[0]);
      syntax.push({ line: lineAt(error.pos[0]), message: `${firstLine(error.message)} (in the document starting at line ${from})` });
      continue;
    }
    const start = doc.contents?.range[0] ?? doc.range[0];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      syntax.push({ line: lineAt(start), message: firstLine((cause as Error).message) });
      continue;
    }
    const line = lineAt(start);
    const text_ = '\n'.repeat(lineAt(doc.range[0]) - 1) + text.slice(doc.range[0], doc.range[2]);
    documents.push({ file, index: i, value, line, text: text_, lineOf: (path) => lineOfPath(doc, path, lineAt, line) });
  }
  return { documents, syntax };
}

function lineOfPath(doc: Document, path: FieldPath, lineAt: (offset: number) => number, fallback: number): number {
  for (let n = path.length; n > 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: readonly number[] } | undefined)?.range;
    if (range?.[0] !== undefined) return lineAt(range[0]);
  }
  return fallback;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}
